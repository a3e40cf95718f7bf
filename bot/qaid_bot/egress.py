"""The action server's HTTP sessions for hospitals' HIPs: a HIP the hub's directory holds to public
addresses is resolved once per connection, checked, and connected to as checked.

A hospital that joins the network with its own token registers its HIP URL itself. Checking once
that the name resolves to public addresses and letting the HTTP client resolve it again later is
not a check: the hospital can rebind the name to ``127.0.0.1`` or a cloud metadata address
(169.254.169.254), and the action server would post patients' images to its own network. The hub
calls such URLs through ``hub.egress`` and tells the bot which HIPs are held to public addresses
(``hip_public_only`` in its directory answer, from the rule the hub's own calls follow); the bot
calls those through :func:`pinned_session`, whose resolver (:class:`PublicResolver`) looks the host
up once and refuses unless *every* address is public. aiohttp connects to exactly the addresses its
resolver returned (numeric, no second lookup), while TLS still names and verifies the URL's host and
the ``Host`` header is still the URL's: only the TCP connect is pinned. "Public" is the hub's
definition (``qaid_contracts.addresses``).

aiohttp connects to an IP address literal without asking its resolver: the connector checks a
literal itself (:class:`_PinnedConnector`, the one place that knows aiohttp's internals;
tests/bot/test_egress.py fails if aiohttp stops calling it).

A refusal is an ``OSError`` (:class:`NotPublic`), which aiohttp raises as a
``ClientConnectorError``: the clients report that HIP to the patient as unreachable, like one that
is down. It is logged with the host and the address, never with what was being sent.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.tracing import Trace

from qaid_contracts.addresses import not_public
from qaid_contracts.hub import NearbyHospital

__all__ = ["NotPublic", "PublicResolver", "Sessions", "SystemResolver", "lookup", "pinned_session"]

log = logging.getLogger(__name__)

# host, port, family -> [(family, address)]: the one DNS lookup a pinned session makes per connection.
Lookup = Callable[[str, int, int], Awaitable[list[tuple[int, str]]]]


class NotPublic(OSError):
    """A connection refused before it was made: the host resolves to an address that is not public.
    (With an errno and a message, so aiohttp's ``ClientConnectorError`` says why.)"""

    def __init__(self, message: str) -> None:
        super().__init__(errno.EPERM, message)


async def lookup(host: str, port: int, family: int) -> list[tuple[int, str]]:
    """Every address ``host`` resolves to, in the resolver's order, once each."""
    # the system resolver in a thread, not loop.getaddrinfo: under uvloop (Sanic installs it) that is
    # libuv's own resolver, and the answer checked would depend on which loop the server runs
    infos = await asyncio.get_running_loop().run_in_executor(
        None, functools.partial(socket.getaddrinfo, host, port, family=family, type=socket.SOCK_STREAM)
    )
    return list(dict.fromkeys((int(info[0]), str(info[4][0])) for info in infos))


def _refuse_unless_public(host: str, port: int, addresses: list[str]) -> None:
    if not addresses:
        raise OSError(f"{host!r} has no address")
    for address in addresses:
        if not_public(address):
            log.warning(
                "refused to call the HIP at %r (port %d): it resolves to %s, which is not a public "
                "address, and the hub's directory holds this HIP to public addresses",
                host, port, address,
            )  # fmt: skip
            raise NotPublic(f"{host!r} resolves to {address}, which is not a public address")


class SystemResolver(AbstractResolver):
    """The system resolver (:func:`lookup`) for every session of the action server, so a name means
    the same whichever event loop runs it (aiohttp's default asks the loop, which under uvloop is
    libuv's resolver). ``resolve``: the resolution function (tests script it)."""

    def __init__(self, resolve: Lookup = lookup) -> None:
        self._lookup = resolve

    def _check(self, host: str, port: int, addresses: list[str]) -> None:
        if not addresses:
            raise OSError(f"{host!r} has no address")

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        found = await self._lookup(host, port, family)
        self._check(host, port, [address for _, address in found])
        numeric = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV  # the connect must not look it up again
        return [
            {"hostname": host, "host": address, "port": port, "family": fam, "proto": 0, "flags": numeric}
            for fam, address in found
        ]

    async def close(self) -> None:
        return None


class PublicResolver(SystemResolver):
    """Resolves a host once and answers its addresses only if every one is public, else refuses
    (:class:`NotPublic`)."""

    def _check(self, host: str, port: int, addresses: list[str]) -> None:
        _refuse_unless_public(host, port, addresses)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


class _PinnedConnector(aiohttp.TCPConnector):
    """aiohttp's connector, which hands a host name to :class:`PublicResolver` but connects to an
    address literal as is (``TCPConnector._resolve_host``, aiohttp 3.9): a literal is checked here."""

    async def _resolve_host(
        self, host: str, port: int, traces: list[Trace] | None = None
    ) -> list[dict[str, Any]]:
        if _is_address(host):
            _refuse_unless_public(host, port, [host])
        return await super()._resolve_host(host, port, traces)


def pinned_session(resolver: AbstractResolver | None = None) -> aiohttp.ClientSession:
    """A session that connects only to checked public addresses. No DNS cache: each connection
    resolves (and checks) once, as the hub's clients do. No proxy from the environment."""
    connector = _PinnedConnector(resolver=resolver or PublicResolver(), use_dns_cache=False)
    return aiohttp.ClientSession(connector=connector, trust_env=False)


class Sessions:
    """One action's HTTP sessions: ``plain`` for the hub and the HIPs the directory does not hold to
    public addresses (the operator registered them, or allows private ones: called as today), and a
    pinned one (:func:`pinned_session`, opened on first use) for the HIPs it does."""

    def __init__(self) -> None:
        self.plain = aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=SystemResolver()))
        self._pinned: aiohttp.ClientSession | None = None

    def for_hip(self, hospital: NearbyHospital) -> aiohttp.ClientSession:
        # A directory answer without the flag (not this hub's contract) is held to public addresses.
        if not hospital.get("hip_public_only", True):
            return self.plain
        if self._pinned is None:
            self._pinned = pinned_session()
        return self._pinned

    async def close(self) -> None:
        await self.plain.close()
        if self._pinned is not None:
            await self._pinned.close()

    async def __aenter__(self) -> Sessions:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
