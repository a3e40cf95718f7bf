"""The hub's HTTP clients for addresses a hospital supplied: resolved once, checked, connected as checked.

A hospital that joins with its own token names the URLs the hub will call (its HIP, its webhook).
Checking that a name resolves to public addresses and then letting the HTTP client resolve it again
is not a check: the second answer can be another (DNS rebinding; a name with a TTL of 0 answering a
public address first and ``127.0.0.1`` or a cloud metadata address next), and the hub would post
to its own network. So for such URLs the clients here resolve each connection's host once
(:func:`resolve`, the one place the hub asks DNS for them), refuse the connection unless *every*
address is public, and connect to one of exactly those addresses. The TLS handshake still names
the URL's host (SNI and certificate verification are done by httpcore against the origin's host
name, not the address), and so does the ``Host`` header: only the TCP connect is pinned.

Where the hub calls them: the join checks and the test event (hub.join), the offers refresh
(hub.offers) and transcript deliveries (hub.worker). Which URLs are held to public addresses is the
caller's decision (:func:`public_only`): the ones a hospital registered with its own token, unless
the operator allows private ones (``QAID_JOIN_ALLOW_PRIVATE``); what the operator registered is
trusted as registered. The bot calls hospitals' HIPs the same way (``qaid_bot.egress``), told which
by the directory's ``hip_public_only`` (this rule); what "public" means is shared with it
(``qaid_contracts.addresses.not_public``).

httpx has no resolver hook; the pinning is a network backend for httpcore's connection pool, set on
the transport's pool (:func:`_pin`: the one place that knows httpx's internals; tests/hub/
test_egress.py fails if a new httpx version moves them).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

from qaid_contracts.addresses import not_public  # what "public" means: shared with the bot

__all__ = ["NotPublic", "async_client", "client", "not_public", "private_target", "public_only", "resolve"]

# httpx's own defaults, for a client that names none.
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


class NotPublic(httpcore.ConnectError):
    """A connection refused before it was made: the host resolves to an address that is not public.
    (An httpcore.ConnectError, so httpx raises it as ``httpx.ConnectError`` with this message.)"""


def public_only(urls_from_hospital: bool, allow_private: bool) -> bool:
    """Whether the hub may call a registration's URLs at public addresses only: those a hospital
    registered itself (its own token), unless the operator allows private ones."""
    return urls_from_hospital and not allow_private


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order, once each. The only DNS lookup
    the pinned clients make, so what is checked is what is connected to."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked(host: str, port: int) -> list[str]:
    """``host``'s addresses if every one is public; else :class:`NotPublic` saying which is not."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError) as exc:
        raise httpcore.ConnectError(f"{host!r} does not resolve ({exc})") from exc
    for address in addresses:
        if not_public(address):
            raise NotPublic(f"{host!r} resolves to {address}, which is not a public address")
    return addresses


def private_target(url: str) -> str | None:
    """Why the hub must not call ``url`` for a hospital (None: it may), for a clear 422 at join time.
    The calls themselves check again when they connect: this answer is not relied on."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        checked(host, parts.port or (443 if parts.scheme == "https" else 80))
    except httpcore.ConnectError as exc:
        return str(exc)
    return None


class _PinnedBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        error: Exception | None = None
        for address in checked(host, port):  # all checked before the first connect
            try:
                return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"{host!r} has no address")

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("the hub does not call hospitals over unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _AsyncPinnedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):  # a resolver that hangs must not hold a delivery
                addresses = await anyio.to_thread.run_sync(checked, host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from exc
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"{host!r} has no address")

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("the hub does not call hospitals over unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _pin(transport: httpx.HTTPTransport | httpx.AsyncHTTPTransport) -> None:
    """Give the transport's connection pool the pinning backend. httpx builds the pool in its
    constructor and passes no backend through; the pool keeps it as ``_network_backend`` and hands
    it to every connection it opens (httpx 0.28 / httpcore 1.0)."""
    pool = transport._pool
    if isinstance(transport, httpx.AsyncHTTPTransport):
        assert isinstance(pool, httpcore.AsyncConnectionPool), "httpx's async pool moved: see hub.egress"
        pool._network_backend = _AsyncPinnedBackend(httpcore.AnyIOBackend())
    else:
        assert isinstance(pool, httpcore.ConnectionPool), "httpx's pool moved: see hub.egress"
        pool._network_backend = _PinnedBackend(httpcore.SyncBackend())


def client(public: bool, *, verify: Any = True, timeout: float = 5.0) -> httpx.Client:
    """A client for one hospital's URLs: pinned to checked public addresses when ``public``. Never
    redirected (a 3xx is an answer, not an invitation elsewhere) nor proxied by the environment."""
    transport = httpx.HTTPTransport(verify=verify, trust_env=False)
    if public:
        _pin(transport)
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)


def async_client(
    public: bool, *, verify: Any = True, timeout: float = 5.0, limits: httpx.Limits | None = None
) -> httpx.AsyncClient:
    """:func:`client` for asyncio (the offers refresh, the delivery worker)."""
    transport = httpx.AsyncHTTPTransport(verify=verify, trust_env=False, limits=limits or _LIMITS)
    if public:
        _pin(transport)
    return httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)
