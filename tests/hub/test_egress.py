"""The hub's clients for a hospital's own URLs (hub.egress): one resolution per connection, every
address checked, the connection made to a checked address, TLS still verified against the name.

DNS is scripted at ``socket.getaddrinfo`` (net_fakes.Resolver), the seam an unpinned HTTP client
resolves through too; the servers are real (uvicorn on 127.0.0.1) and count what reaches them."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from net_fakes import Counted, Resolver
from tr_helpers import ServerThread
from utils.net import free_port
from utils.tls import self_signed

from hub import egress

PUBLIC = "93.184.216.34"  # a global unicast address; never connected to in these tests


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    resolver = Resolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver


@pytest.fixture
def server() -> Iterator[tuple[Counted, int]]:
    app = FastAPI()

    @app.get("/")
    def _root() -> dict[str, bool]:
        return {"ok": True}

    counted = Counted(app)
    with ServerThread(counted, free_port()) as s:  # type: ignore[arg-type]
        yield counted, s.port


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.5", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
     "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "64:ff9b::a00:5", "2002:a00:5::1", "224.0.0.1"],
)  # fmt: skip
def test_private_addresses_are_refused(address: str) -> None:
    assert egress.not_public(address)


@pytest.mark.parametrize("address", [PUBLIC, "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::808:808"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert not egress.not_public(address)


def test_a_name_that_rebinds_after_the_check_is_not_called(
    dns: Resolver, server: tuple[Counted, int]
) -> None:
    counted, port = server
    url = f"http://rebind.example:{port}/"
    dns.script["rebind.example"] = [[PUBLIC], ["127.0.0.1"]]
    assert egress.private_target(url) is None  # the join's check saw a public address...
    with egress.client(True) as client, pytest.raises(httpx.ConnectError) as refused:
        client.get(url)  # ...the connection resolves once more, checks, and refuses
    assert isinstance(refused.value.__cause__, egress.NotPublic)
    assert "resolves to 127.0.0.1, which is not a public address" in str(refused.value)
    assert counted.hosts == []


def test_the_async_client_refuses_too_and_one_private_address_among_public_ones_is_enough(
    dns: Resolver, server: tuple[Counted, int]
) -> None:
    counted, port = server
    dns.script["mixed.example"] = [[PUBLIC, "127.0.0.1"]]

    async def call() -> None:
        async with egress.async_client(True) as client:
            await client.get(f"http://mixed.example:{port}/")

    with pytest.raises(httpx.ConnectError, match="resolves to 127.0.0.1"):
        asyncio.run(call())
    assert counted.hosts == []


def test_the_pinned_connection_goes_to_the_address_resolved_once_with_the_name_as_host(
    dns: Resolver, server: tuple[Counted, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What makes the refusals above meaningful: the connection really is made to the address the
    seam answered (the system cannot resolve this name), resolved once, with the URL's Host header."""
    counted, port = server
    dns.script["hospital.example"] = [["127.0.0.1"]]
    monkeypatch.setattr(egress, "not_public", lambda address: False)  # the policy, not the resolution
    for pinned in (egress.client(True), egress.client(False)):
        with pinned as client:
            assert client.get(f"http://hospital.example:{port}/").json() == {"ok": True}
    assert counted.hosts == [f"hospital.example:{port}"] * 2
    assert dns.asked == ["hospital.example"] * 2  # once per connection, for either client


def test_the_transport_internals_egress_relies_on_are_there() -> None:
    """Fails when a new httpx/httpcore moves the pool or its backend (hub.egress._pin)."""
    with egress.client(True) as client:
        assert type(client._transport._pool._network_backend).__name__ == "_PinnedBackend"  # type: ignore[attr-defined]


def test_tls_is_verified_against_the_name_while_the_connection_is_pinned(
    dns: Resolver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The certificate names hospital.example only (not 127.0.0.1): the handshake succeeds only if
    SNI and verification use the URL's name while TCP goes to the pinned address."""
    cert, key = self_signed("hospital.example", tmp_path)
    app = FastAPI()

    @app.get("/")
    def _root() -> dict[str, bool]:
        return {"ok": True}

    counted, port = Counted(app), free_port()
    config = uvicorn.Config(counted, host="127.0.0.1", port=port, log_level="warning",
                            ssl_certfile=str(cert), ssl_keyfile=str(key))  # fmt: skip
    tls_server = uvicorn.Server(config)
    thread = threading.Thread(target=tls_server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60  # a bound for a hang; ends as soon as it is up
        while not tls_server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "TLS test server did not start"
            time.sleep(0.02)
        dns.script["hospital.example"] = [["127.0.0.1"]]
        monkeypatch.setattr(egress, "not_public", lambda address: False)
        trust = ssl.create_default_context(cafile=str(cert))
        with egress.client(True, verify=trust) as client:
            assert client.get(f"https://hospital.example:{port}/").json() == {"ok": True}
            with pytest.raises(httpx.ConnectError, match="certificate|hostname|match"):
                client.get(f"https://127.0.0.1:{port}/")  # the same server by address: not its name
        assert counted.hosts == [f"hospital.example:{port}"]
    finally:
        tls_server.should_exit = True
        thread.join(timeout=10)
