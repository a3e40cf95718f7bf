"""The channels on a real Sanic server, mounted and started as Rasa mounts and starts them, with the
test's own ``on_new_message`` in place of Rasa's agent: for the channels' HTTP behaviour without a model."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from utils.net import free_port

from qaid_contracts import env


@asynccontextmanager
async def serve_channels(
    name: str, port: int, channels: list[Any], on_new_message: Callable[[Any], Awaitable[None]],
    agent: Any = None,
) -> AsyncIterator[str]:  # fmt: skip
    """Serve ``channels`` on ``port``; yields the socket.io address: Q&Aid's socket.io channel listens
    on a port of its own (``QAID_SOCKETIO_PORT``, a free one here), the stock one on Sanic's. With
    ``agent``, the app's context holds it and the channels, as Rasa's server's does."""
    from sanic import Sanic

    from qaid_bot.channels.web import SocketIOInput

    Sanic.test_mode = True
    app = Sanic(f"{name}_{port}")
    if agent is not None:
        app.ctx.agent, app.ctx.input_channels = agent, channels
    socket_url = f"http://127.0.0.1:{port}"
    before = os.environ.get(env.SOCKETIO_PORT.name)
    try:
        for channel in channels:  # as rasa.core.channels.channel.register mounts them
            if isinstance(channel, SocketIOInput):
                own = free_port()
                os.environ[env.SOCKETIO_PORT.name], socket_url = str(own), f"http://127.0.0.1:{own}"
            app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
    finally:  # the port is read when the blueprint is made: the environment is the caller's again
        os.environ.pop(env.SOCKETIO_PORT.name, None)
        if before is not None:
            os.environ[env.SOCKETIO_PORT.name] = before
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.before_start()  # the listeners Rasa's `app.run` triggers: the socket.io server's start
    await server.after_start()
    try:
        yield socket_url
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
