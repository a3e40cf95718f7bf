"""Network fakes: real test servers that count what reaches them (a HIP answering
``/v1/capabilities``, validated against the contract's schema; a wrapper counting the requests any
ASGI app receives) and a DNS resolver a test scripts. A uniquely named module, as tr_helpers is."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from utils.contract import check


def capabilities(hip_id: str, version: str = "1.0.0") -> dict[str, Any]:
    return check("hip.Capabilities", {
        "hip_id": hip_id, "hip_name": f"{hip_id} hospital", "bundle_version": version, "models": [],
        "labels": [], "offers": {"vqa": ["chest_xray"]}, "label_topics": {},
        "data_provenance": "generated_demo", "question_types": [],
    })  # fmt: skip


class CountingHip:
    """A HIP's capabilities route behind its bearer token; every call is recorded (its Host header)."""

    def __init__(self, hip_id: str, token: str) -> None:
        self.caps = capabilities(hip_id)
        self.hosts: list[str] = []
        self._lock = threading.Lock()
        self.app = FastAPI()

        @self.app.get("/v1/capabilities")
        async def _caps(request: Request) -> JSONResponse:
            with self._lock:
                self.hosts.append(request.headers.get("host", ""))
            if request.headers.get("authorization") != f"Bearer {token}":
                return JSONResponse({"error": {"code": "unauthorized", "message": "no"}}, status_code=401)
            return JSONResponse(self.caps)

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.hosts)


class Counted:
    """An ASGI app that records the Host header of every HTTP request before passing it on."""

    def __init__(self, app: Any) -> None:
        self.inner = app
        self.hosts: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            self.hosts.append(headers.get(b"host", b"").decode())
        await self.inner(scope, receive, send)


class Resolver:
    """``socket.getaddrinfo`` for the names a test scripts: each answers its scripted address lists in
    turn (the last for ever after); any other name resolves as usual. Installed at the one seam both
    the hub's pinned clients and an unpinned HTTP client resolve through."""

    def __init__(self, real: Callable[..., list[Any]]) -> None:
        self.real = real
        self.script: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []

    def __call__(self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0,
                 flags: int = 0) -> list[Any]:  # fmt: skip
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in self.script:
            return self.real(host, port, family, type, proto, flags)
        self.asked.append(name)
        answers = self.script[name]
        addresses = answers.pop(0) if len(answers) > 1 else answers[0]
        p = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, p, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, p))
            for a in addresses
        ]
