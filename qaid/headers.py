"""Security headers on every response of a platform web app (issue 16: the pages had none).

- ``Content-Security-Policy``: scripts, styles and connections only from where the page's own code
  comes from (no inline script, so an HTML-escaping slip cannot run code), no ``<base>`` or plugin
  tricks, and ``frame-ancestors 'none'`` so no other site can frame the chat or a doctor's page;
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``;
- ``Referrer-Policy: no-referrer``: image links carry capability tokens and must not leak to another
  site through the Referer header;
- ``X-Content-Type-Options: nosniff``: a response is only ever what its Content-Type says.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.middleware.base import RequestResponseEndpoint

__all__ = ["csp", "install", "origin", "style_hash"]


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def style_hash(css: str) -> str:
    """The CSP source that allows exactly this inline ``<style>`` block."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def csp(*, connect: tuple[str, ...] = (), img: tuple[str, ...] = (), style: tuple[str, ...] = ()) -> str:
    """A strict policy: everything from the page's own origin, plus the sources given."""
    directives = {
        "default-src": ("'self'",),
        "script-src": ("'self'",),
        "style-src": ("'self'", *style),
        "img-src": ("'self'", "data:", "blob:", *img),
        "connect-src": ("'self'", *connect),
        "object-src": ("'none'",),
        "base-uri": ("'none'",),
        "form-action": ("'self'",),
        "frame-ancestors": ("'none'",),
    }
    return "; ".join(f"{name} {' '.join(dict.fromkeys(sources))}" for name, sources in directives.items())


def install(app: FastAPI, policy: str) -> None:
    """Add the headers to every response of ``app`` (a route's own value wins)."""
    headers = {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }

    @app.middleware("http")
    async def _security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
