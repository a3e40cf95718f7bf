"""The web chat's socket.io channel (channels.web) delivers the bot's custom json: the stock output
passed it to ``emit(**json_message)``, a TypeError for any key but socket.io's own, which aborted the
turn. Real Rasa and action server (conftest)."""

from __future__ import annotations

import asyncio
from typing import Any

from bot_server import Server


def test_socketio_delivers_the_location_request_and_keeps_the_turn(server: Server) -> None:
    import socketio

    session: list[str] = []

    async def talk() -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        client = socketio.AsyncClient()
        client.on("bot_uttered", got.append)
        confirmed = asyncio.Event()
        client.on("session_confirm", lambda sid: (session.append(sid), confirmed.set()))
        await client.connect(server.socket_url, socketio_path="/socket.io", transports=["polling"])
        try:
            await client.emit("session_request", {})  # the server mints the session id
            await asyncio.wait_for(confirmed.wait(), 10)
            await client.emit(
                "user_uttered", {"message": "which hospitals are near me?", "session_id": session[0]}
            )
            for _ in range(150):
                if any(m.get("request_location") is True for m in got):
                    break
                await asyncio.sleep(0.1)
        finally:
            await client.disconnect()
        return got

    got = asyncio.run(talk())
    assert any("location" in str(m.get("text", "")).lower() for m in got), got
    assert [m for m in got if m.get("request_location") is True] == [{"request_location": True}]
    # the turn completed: the tracker was saved with the patient's message
    assert "which hospitals are near me?" in [e["text"] for e in server.user_events(session[0])]
