"""The action server's calls to HIPs the hub's directory holds to public addresses (qaid_bot.egress):
resolved once, refused unless every address is public, connected to as resolved.

The resolver is tested with a scripted resolution function; the action paths run against the fake
hub and HIPs (real servers on 127.0.0.1), with DNS scripted at ``socket.getaddrinfo``, the seam an
unpinned aiohttp session resolves through too: without the pinning, the HIP would be called."""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from conversation_image import image_metadata
from tracker_helpers import make_tracker, slot_events, texts
from utils.tls import self_signed

from qaid_bot import egress
from qaid_bot.actions.common import clear_directory_cache
from qaid_bot.actions.image_flow import ActionAnalyzeImage
from qaid_bot.actions.questions import ActionAnswerQuestion

pytestmark = pytest.mark.asyncio

PUBLIC = "93.184.216.34"  # a global unicast address; never connected to in these tests
HOST = "hip.hospital.example"  # the name a hospital registered for its HIP


def scripted(answers: list[str]) -> tuple[egress.Lookup, list[str]]:
    """A resolution function answering ``answers`` for every host, and the hosts it was asked."""
    asked: list[str] = []

    async def lookup(host: str, port: int, family: int) -> list[tuple[int, str]]:
        asked.append(host)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, a) for a in answers]

    return lookup, asked


async def test_a_public_answer_is_returned_numeric_under_the_name() -> None:
    lookup, asked = scripted([PUBLIC, "2606:4700:4700::1111"])
    found = await egress.PublicResolver(lookup).resolve(HOST, 443)
    assert asked == [HOST]  # once
    assert [(h["host"], h["family"], h["port"]) for h in found] == [
        (PUBLIC, socket.AF_INET, 443),
        ("2606:4700:4700::1111", socket.AF_INET6, 443),
    ]
    # TLS names the host (aiohttp's server_hostname is "hostname"); the connect does no lookup
    assert {h["hostname"] for h in found} == {HOST}
    assert all(h["flags"] & socket.AI_NUMERICHOST for h in found)


@pytest.mark.parametrize(
    "answers",
    [["127.0.0.1"], ["169.254.169.254"], ["::ffff:127.0.0.1"], [PUBLIC, "10.0.0.5"], ["192.168.1.1", PUBLIC]],
)
async def test_any_address_that_is_not_public_refuses_the_host(
    answers: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    lookup, asked = scripted(answers)
    with caplog.at_level(logging.WARNING, logger="qaid_bot.egress"):
        with pytest.raises(egress.NotPublic, match="not a public address"):
            await egress.PublicResolver(lookup).resolve(HOST, 443)
    assert asked == [HOST]
    bad = next(a for a in answers if a != PUBLIC)
    [record] = [r for r in caplog.records if r.name == "qaid_bot.egress"]
    assert HOST in record.getMessage() and bad in record.getMessage()


async def test_a_name_without_addresses_is_refused() -> None:
    lookup, _ = scripted([])
    with pytest.raises(OSError, match="has no address"):
        await egress.PublicResolver(lookup).resolve(HOST, 443)


@pytest_asyncio.fixture
async def counted() -> Any:
    """A server on 127.0.0.1 recording the Host header of every request it receives."""
    hosts: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        hosts.append(request.headers.get("Host", ""))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server.port, hosts
    await server.close()


async def test_the_connection_goes_to_the_address_the_resolver_checked(
    counted: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What is checked is what is connected to: the system resolver (which aiohttp would ask again
    when connecting) would send the name elsewhere; the request still reaches the checked address."""
    port, hosts = counted
    monkeypatch.setattr(egress, "not_public", lambda address: False)  # the pinning, not the policy
    monkeypatch.setattr(socket, "getaddrinfo", _nowhere(socket.getaddrinfo))
    lookup, asked = scripted(["127.0.0.1"])
    async with egress.pinned_session(egress.PublicResolver(lookup)) as session:
        for _ in range(2):
            async with session.get(f"http://{HOST}:{port}/v1/capabilities") as resp:
                assert resp.status == 200
    assert hosts == [f"{HOST}:{port}"] * 2  # the Host header is the URL's
    assert asked == [HOST]  # one connection (kept alive), one lookup


def _nowhere(real: Callable[..., Any]) -> Callable[..., Any]:
    def getaddrinfo(host: Any, *args: Any, **kw: Any) -> Any:
        if host == HOST:
            raise socket.gaierror(socket.EAI_NONAME, "not known to the system resolver")
        return real(host, *args, **kw)

    return getaddrinfo


async def test_tls_is_verified_against_the_name_while_the_connection_is_pinned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The certificate names ``HOST`` only (not 127.0.0.1): the handshake succeeds only if SNI and
    verification use the URL's name while TCP goes to the address the resolver answered."""
    cert, key = self_signed(HOST, tmp_path)
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    hosts: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        hosts.append(request.headers.get("Host", ""))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(ssl=served)
    port = server.port
    monkeypatch.setattr(egress, "not_public", lambda address: False)  # the pinning, not the policy
    lookup, _ = scripted(["127.0.0.1"])
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        async with egress.pinned_session(egress.PublicResolver(lookup)) as session:
            async with session.get(f"https://{HOST}:{port}/", ssl=trust) as resp:
                assert await resp.json() == {"ok": True}
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await session.get(f"https://127.0.0.1:{port}/", ssl=trust)  # not its name
    finally:
        await server.close()
    assert hosts == [f"{HOST}:{port}"]


async def test_an_address_literal_is_checked_too(counted: tuple[int, list[str]]) -> None:
    """aiohttp does not hand a literal to its resolver: the pinned connector checks it itself."""
    port, hosts = counted
    async with egress.pinned_session() as session:
        with pytest.raises(aiohttp.ClientConnectorError, match="not a public address") as refused:
            await session.get(f"http://127.0.0.1:{port}/v1/capabilities")
    assert isinstance(refused.value.os_error, egress.NotPublic)
    assert hosts == []


# --- through the actions: the directory holds a hospital's HIP to public addresses ---


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``HOST`` resolves to 127.0.0.1 (a rebound name); every other name as usual. The names asked."""
    real, asked = socket.getaddrinfo, []

    def getaddrinfo(
        host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> Any:
        if host != HOST:
            return real(host, port, family, type, proto, flags)
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", int(port or 0)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def _rename(network: Any, hospital_id: str) -> Any:
    """The hospital's HIP registered under ``HOST`` (its server still listens on 127.0.0.1)."""
    hip = network.hip(hospital_id)
    hip.url = hip.url.replace("127.0.0.1", HOST)
    return hip


async def analyze(network: Any, dispatcher: Any) -> Any:
    tracker = make_tracker("/share_image", "share_image", metadata=image_metadata(network.hub.url))
    return await ActionAnalyzeImage().run(dispatcher, tracker, {})


async def test_a_public_only_hip_rebound_to_loopback_receives_nothing(
    network: Any, dispatcher: Any, dns: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    titan = _rename(network, "titan")
    network.hub.public_only.add("titan")
    with caplog.at_level(logging.WARNING, logger="qaid_bot.egress"):
        events = await analyze(network, dispatcher)
    assert dns == [HOST]  # it was looked up (and refused), ...
    assert (titan.auth, titan.uploads, titan.calls) == ([], 0, [])  # ... never called
    # the patient hears of it as of an unreachable hospital; the others answered as usual
    assert "1 hospital was unreachable" in texts(dispatcher)[0]
    assert set(slot_events(events)["hip_images"]) == {"herastrau", "cismigiu"}
    # logged with the reason, without the patient's image or its reference
    [record] = [r for r in caplog.records if r.name == "qaid_bot.egress"]
    message = record.getMessage()
    assert HOST in message and "127.0.0.1" in message and "not a public address" in message
    sent = image_metadata(network.hub.url)["image"]
    assert all(str(v) not in message for v in sent.values())


async def test_a_public_only_hip_registered_at_a_loopback_literal_receives_nothing(
    network: Any, dispatcher: Any
) -> None:
    titan = network.hip("titan")
    network.hub.public_only.add("titan")
    await analyze(network, dispatcher)
    assert (titan.auth, titan.uploads, titan.calls) == ([], 0, [])
    assert "1 hospital was unreachable" in texts(dispatcher)[0]


async def test_a_question_is_not_sent_to_a_public_only_hip_rebound_to_loopback(
    network: Any, dispatcher: Any, dns: list[str]
) -> None:
    """The follow-ups call HIPs the same way: herastrau, which holds its copy of the image from the
    analysis, is held to public addresses when the patient asks a question, and now rebound."""
    slots = slot_events(await analyze(network, dispatcher))
    dispatcher.messages.clear()
    clear_directory_cache()  # the directory's answer changes (the bot caches it for a minute)
    herastrau = _rename(network, "herastrau")
    network.hub.public_only.add("herastrau")
    before = list(herastrau.calls)
    await ActionAnswerQuestion().run(dispatcher, make_tracker("is there a lesion?", slots=slots), {})
    assert HOST in dns and herastrau.calls == before  # looked up, never asked
    text = texts(dispatcher)[0]
    assert "1 of 1 hospital answered yes" in text and "1 hospital was unreachable" in text


async def test_a_hip_the_operator_registered_is_called_as_registered(
    network: Any, dispatcher: Any, dns: list[str]
) -> None:
    """The same name and answer without the flag (the operator's registration, or private addresses
    allowed): called as before the pinning, which also shows the scripted name reaches the fake."""
    titan = _rename(network, "titan")
    events = await analyze(network, dispatcher)
    assert HOST in dns
    assert titan.uploads == 1 and "analyze" in titan.calls
    assert "unreachable" not in texts(dispatcher)[0]
    assert set(slot_events(events)["hip_images"]) == {"herastrau", "cismigiu", "titan"}


async def test_a_hip_redirect_is_not_followed(counted: tuple[int, list[str]]) -> None:
    """A HIP's API has no redirects; following one would carry the image and the bearer token to
    wherever it points. The 3xx is that hospital's error; the target receives nothing."""
    from qaid_bot.clients import HipClient, ServiceError

    target_port, reached = counted

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(f"http://127.0.0.1:{target_port}/v1/images")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", redirect)
    hip = TestServer(app, host="127.0.0.1")
    await hip.start_server()
    hospital: Any = {"hip_url": f"http://127.0.0.1:{hip.port}", "hip_token": "t", "hip_public_only": False}
    try:
        async with egress.Sessions() as net:
            client = HipClient(net, hospital, timeout=20)
            for call in (client.upload(b"image bytes"), client.capabilities()):
                with pytest.raises(ServiceError) as refused:
                    await call
                assert refused.value.status == 307
    finally:
        await hip.close()
    assert reached == []
