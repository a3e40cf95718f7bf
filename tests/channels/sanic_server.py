"""The channels on a real Sanic server, mounted as Rasa mounts them, with the test's own
``on_new_message`` in place of Rasa's agent: for the channels' HTTP behaviour without a model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def serve_channels(
    name: str, port: int, channels: list[Any], on_new_message: Callable[[Any], Awaitable[None]]
) -> AsyncIterator[None]:
    from sanic import Sanic

    Sanic.test_mode = True
    app = Sanic(f"{name}_{port}")
    for channel in channels:  # as rasa.core.channels.channel.register mounts them
        app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()
