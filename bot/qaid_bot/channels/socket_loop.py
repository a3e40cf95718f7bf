"""socket.io served from a thread and event loop of its own, beside Rasa's Sanic server (issue 18).

Why: Rasa 3.6's ``SocketIOInput`` attaches python-socketio to Sanic (``async_mode="sanic"``), so the
whole socket.io stack shares one event loop with the NLU, the policies and the tracker store. Under
load that loop is busy nearly all the time, and every ``await`` that really suspends waits a full
round of its ready queue (100-300 ms at 50 patients on 2 shared cores). A REST turn suspends a few
times; a socket.io message crosses about ten tasks and futures on the way in (Sanic 21.12's websocket
``data_received`` -> ``create_task`` -> frame assembler -> ``recv``'s ``asyncio.wait`` -> engine.io's
reader ``wait_for`` -> engine.io's and socket.io's background tasks) and three or four per bot message
on the way out (``emit``'s per-recipient task and ``asyncio.wait`` -> the engine.io queue -> the
writer's ``wait_for`` -> ``ws.send``), so it waited several times longer (bench/README.md, "socket.io
at the speed of REST").

Here the socket.io server (python-socketio on aiohttp) runs on a loop that does nothing else, on a
port of its own (``QAID_SOCKETIO_PORT``). A patient's message reaches Rasa's loop in one hop
(``run_coroutine_threadsafe``, as a REST request reaches its handler) and a bot message leaves Rasa's
loop without waiting (``call_soon_threadsafe`` into one ordered outbox). The protocol is unchanged:
the web page's socket.io client only connects to another address.

This depends on the pinned versions in :data:`BUILT_FOR` (the aiohttp driver of python-engineio,
python-socketio's ``AsyncServer``, Sanic's listeners as Rasa runs them): ``tests/channels/
test_socket_loop.py`` fails when one changes, so an upgrade re-measures with ``bench/load.py`` whether
the separate loop is still needed and still works.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Coroutine
from concurrent.futures import Future
from typing import Any

import socketio
from aiohttp import web

__all__ = ["BUILT_FOR", "SocketLoop"]

logger = logging.getLogger(__name__)

# The versions this workaround was written and measured against (requirements/bot.lock).
BUILT_FOR = {
    "rasa": "3.6.21",
    "python-socketio": "5.9.0",
    "python-engineio": "4.15.1",
    "sanic": "21.12.2",
    "aiohttp": "3.9.5",
}
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


class SocketLoop:
    """A socket.io server on its own thread, loop and port, handing messages to Rasa's loop.

    ``sio`` is created here (register handlers on it before :meth:`start`); its handlers run on this
    loop. ``origins``: the origins whose pages may use the long-polling transport (CORS) and open a
    websocket; empty, like Rasa's stock channel, checks no origin."""

    def __init__(self, path: str, origins: list[str]) -> None:
        self.sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins=origins or [])
        self.app = web.Application()
        self.sio.attach(self.app, socketio_path=path)
        self.loop: asyncio.AbstractEventLoop | None = None  # this server's loop, while it runs
        self.rasa_loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._outbox: asyncio.Queue[tuple[str, Any, str, str | None]] | None = None

    def start(self, host: str, port: int, rasa_loop: asyncio.AbstractEventLoop) -> None:
        """Serve on ``host:port``; returns once the port is bound. OSError if it cannot be (busy)."""
        if self._thread is not None:
            return
        self.rasa_loop = rasa_loop
        ready, errors = threading.Event(), list[BaseException]()
        self._thread = threading.Thread(
            target=self._run, args=(host, port, ready, errors), name="socketio-loop", daemon=True
        )
        self._thread.start()
        if not ready.wait(START_TIMEOUT_S):
            raise OSError(f"socket.io server on {host}:{port} did not start within {START_TIMEOUT_S:g} s")
        if errors:
            self._thread = None
            raise OSError(f"socket.io server cannot listen on {host}:{port}: {errors[0]}") from errors[0]
        logger.info("socket.io served on http://%s:%d (its own event loop)", host, port)

    def stop(self) -> None:
        """Close every connection and the port, and end the thread."""
        loop, thread = self.loop, self._thread
        if loop is not None and thread is not None and loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(STOP_TIMEOUT_S)
        self._thread = None

    def to_rasa(self, work: Awaitable[Any]) -> None:
        """Run ``work`` (Rasa's ``on_new_message``) on Rasa's loop; a failure is logged, as Sanic logs
        one of a REST handler."""
        if self.rasa_loop is None or self.rasa_loop.is_closed():
            if isinstance(work, Coroutine):
                work.close()
            logger.error("socket.io: a message arrived before the Rasa server started; dropped")
            return
        asyncio.run_coroutine_threadsafe(_awaited(work), self.rasa_loop).add_done_callback(_log_failure)

    def emit(self, event: str, data: Any, room: str, namespace: str | None = None) -> None:
        """Send ``event`` to ``room`` from any thread, without waiting; messages leave in call order."""
        loop, outbox = self.loop, self._outbox
        if loop is None or outbox is None or loop.is_closed():
            logger.warning("socket.io: %s to a room dropped, the server is not running", event)
            return
        loop.call_soon_threadsafe(outbox.put_nowait, (event, data, room, namespace))

    def _run(self, host: str, port: int, ready: threading.Event, errors: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        try:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, host, port).start())
        except BaseException as e:  # a busy port: start() raises it in the caller's thread
            errors.append(e)
            loop.run_until_complete(runner.cleanup())
            loop.close()
            ready.set()
            return
        self._outbox = asyncio.Queue()
        sender = loop.create_task(self._send(self._outbox))
        self.loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            sender.cancel()
            loop.run_until_complete(self._close(runner))
            left = asyncio.all_tasks(loop)  # engine.io's ping timers: cancelled, not destroyed pending
            for task in left:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            self.loop = None
            loop.close()

    async def _send(self, outbox: asyncio.Queue[tuple[str, Any, str, str | None]]) -> None:
        while True:
            event, data, room, namespace = await outbox.get()
            try:
                await self.sio.emit(event, data, room=room, namespace=namespace)
            except Exception:  # one bad message must not stop the ones after it
                logger.exception("socket.io: could not send %s", event)

    async def _close(self, runner: web.AppRunner) -> None:
        for namespace in list(self.sio.manager.get_namespaces()):
            for sid, _ in list(self.sio.manager.get_participants(namespace, None)):
                await self.sio.disconnect(sid, namespace=namespace)
        await self.sio.eio.shutdown()
        await runner.cleanup()


async def _awaited(work: Awaitable[Any]) -> Any:
    return await work


def _log_failure(done: Future[Any]) -> None:
    if not done.cancelled() and (error := done.exception()) is not None:
        logger.error("socket.io: handling a message failed", exc_info=error)
