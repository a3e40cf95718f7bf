"""The benchmarks' chat clients (bench/chat_clients.py, used by bench/load.py and bench/bot_latency.py)
speak the protocol of Q&Aid's web channels (issue 16: the REST token, server-minted socket.io
sessions) and still that of the stock channels the `rasa init` baseline serves. Each is run against
the real channel blueprints on Sanic (a free port), with an echo standing in for Rasa's agent, as in
test_web_sessions."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from rasa.core.channels import rest as stock_rest
from rasa.core.channels import socketio as stock_socketio
from sanic_server import serve_channels
from utils.net import free_port

from qaid_bot.channels.web import RestInput, SocketIOInput
from qaid_contracts import binding, env

_spec = importlib.util.spec_from_file_location(
    "chat_clients", Path(__file__).resolve().parents[2] / "bench" / "chat_clients.py"
)
assert _spec is not None and _spec.loader is not None
clients = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(clients)

REST_TOKEN = "rest-token-for-bench-tests"
# what bench/load.py gives the baseline: stock socketio with the events of bot/credentials.yml
STOCK_SOCKET = {
    "user_message_evt": "user_uttered",
    "bot_message_evt": "bot_uttered",
    "session_persistence": True,
}


class Echo:
    """The server: its URLs (REST, socket.io) and the (sender, text) of every message that reached "Rasa"."""

    def __init__(self, url: str) -> None:
        self.url, self.socket_url = url, ""
        self.received: list[tuple[str, str]] = []


@asynccontextmanager
async def echo_server(channels: list[Any]) -> AsyncIterator[Echo]:
    port = free_port()
    echo = Echo(f"http://127.0.0.1:{port}")

    async def on_new_message(message: Any) -> None:
        echo.received.append((message.sender_id, message.text))
        await message.output_channel.send_text_message(message.sender_id, f"you said: {message.text}")

    async with serve_channels("bench_clients", port, channels, on_new_message) as echo.socket_url:
        yield echo


def qaid_channels() -> list[Any]:
    """Q&Aid's channels configured from bot/credentials.yml, as `make run` serves them."""
    return [RestInput.from_credentials({}), SocketIOInput.from_credentials(clients.socket_config())]


def stock_channels() -> list[Any]:
    return [
        stock_rest.RestInput.from_credentials({}),
        stock_socketio.SocketIOInput.from_credentials(STOCK_SOCKET),
    ]


async def rest_say(url: str, token: str, text: str) -> str:
    async with aiohttp.ClientSession() as http:
        _, reply = await clients.Rest(http, url, 10, token, "bench-rest").say(text)
    return str(reply)


def socket(url: str) -> Any:
    return clients.Socket(url, clients.socket_config(), timeout=10, quiet=0.2)


@pytest.mark.asyncio
async def test_rest_sends_the_token_the_channel_requires(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env.REST_TOKEN.name, REST_TOKEN)
    async with echo_server(qaid_channels()) as echo:
        assert await rest_say(echo.url, REST_TOKEN, "hi") == "you said: hi"
        with pytest.raises(clients.TurnError) as refused:
            await rest_say(echo.url, "", "hi")
    assert refused.value.kind == "http_401" and env.REST_TOKEN.name in refused.value.sample
    assert echo.received == [("bench-rest", "hi")]


@pytest.mark.asyncio
async def test_socket_speaks_in_the_session_the_server_minted_and_resumes_it() -> None:
    key = clients.operator_secret(env.CONVERSATION_KEY)  # the tests' key (conftest sets it)
    async with echo_server(qaid_channels()) as echo:
        sock = socket(echo.socket_url)
        await sock.open()
        minted = sock.session
        assert binding.check_session(key, minted)  # the server's id, not one the client made up
        assert sock.sender == minted  # what an upload names to bind the image to the conversation
        assert (await sock.say("hello"))[1] == "you said: hello"
        await sock.close()
        await sock.open()  # as the web page does after a reconnect: ask for the session it holds
        assert sock.session == minted
        assert (await sock.say("again"))[1] == "you said: again"
        await sock.close()
    assert echo.received == [(minted, "hello"), (minted, "again")]


@pytest.mark.asyncio
async def test_a_session_the_server_does_not_resume_is_a_lost_conversation() -> None:
    async with echo_server(qaid_channels()) as echo:
        sock = socket(echo.socket_url)
        sock.session = "load-made-up-id"  # e.g. minted under another conversation key
        with pytest.raises(clients.TurnError) as lost:
            await sock.open()
        assert lost.value.kind == "session_lost" and not sock.sio.connected
    assert echo.received == []


@pytest.mark.asyncio
async def test_the_same_clients_drive_the_stock_channels_of_the_baseline() -> None:
    async with echo_server(stock_channels()) as echo:
        assert await rest_say(echo.url, "", "hello") == "you said: hello"  # no token: stock REST
        sock = socket(echo.socket_url)
        await sock.open()
        assert sock.session  # the stock channel mints a uuid for a request without an id
        assert (await sock.say("hi"))[1] == "you said: hi"
        await sock.close()
    assert echo.received == [("bench-rest", "hello"), (sock.session, "hi")]


@pytest.mark.parametrize(
    ("environ", "in_file", "expected"),
    [("from-env", "from-file", "from-env"), ("", "from-file", "from-file"), ("", None, "")],
)
def test_the_token_comes_from_the_environment_then_the_operators_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environ: str, in_file: str | None, expected: str
) -> None:
    monkeypatch.setenv(env.REST_TOKEN.name, environ)
    monkeypatch.setenv("QAID_VAR_DIR", str(tmp_path))
    if in_file is not None:
        (tmp_path / "secrets.env").write_text(f"QAID_OTHER=x\n{env.REST_TOKEN.name}={in_file}\n")
    assert clients.operator_secret(env.REST_TOKEN) == expected
    assert clients.bearer(expected) == ({"Authorization": f"Bearer {expected}"} if expected else {})
