"""The Rasa action server with authentication: ``python -m qaid_bot.action_server --port 5055``.

The stock ``python -m rasa_sdk`` (3.6) listens on every interface, accepts any caller and, when an
action fails, answers with the whole request body - the patient's tracker - and Rasa then logs it.
Anyone who can reach that port could run the actions with a forged tracker: post a transcript to
the hospitals with the bot's hub credentials, or fan images out to the HIPs. So this entry point
wraps the same app (``rasa_sdk.endpoint.create_app``) and:

- requires ``Authorization: Bearer $QAID_ACTIONS_TOKEN`` (constant-time compare) on every route but
  ``/health``; Rasa sends it from ``bot/endpoints*.yml`` (``headers:`` of ``action_endpoint``);
- refuses to start without a token;
- binds ``127.0.0.1`` unless told otherwise (``--interface``), and serves TLS when given a
  certificate (Rasa verifies it with ``cafile:`` in the endpoints file);
- answers an action's failure with a generic error, logging the action name and the traceback only.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
from typing import Any

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app, create_ssl_context
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from qaid_contracts import env

from . import logsafe
from .settings import settings

logger = logging.getLogger("qaid_bot.action_server")

TOKEN_ENV = "QAID_ACTIONS_TOKEN"
# Sanic counts a new connection as idle until its first request arrives and closes it after
# KEEP_ALIVE_TIMEOUT (5 s by default). Rasa opens a fresh connection for every action call and writes
# the request when its busy event loop gets to it; past capacity that took over 5 s, Sanic had closed
# the socket and Rasa failed with "Cannot write to closing transport" (bench/README.md, 50 patients).
# Rasa never reuses these connections, so a longer grace costs nothing but an idle socket.
FIRST_REQUEST_GRACE_S = 60
OPEN_PATHS = frozenset({"/health"})  # liveness for the launcher and load balancers


def authorized(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def secure_app(actions: str, token: str) -> Sanic:
    """The rasa_sdk app for the ``actions`` package with the bearer check and a body-free error handler."""
    if not token:
        raise ValueError(f"{TOKEN_ENV} is not set: refusing to serve actions without authentication")
    app = create_app(actions, cors_origins=None)
    app.config.KEEP_ALIVE_TIMEOUT = FIRST_REQUEST_GRACE_S

    @app.on_request
    async def _require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or authorized(request.headers.get("authorization"), token):
            return None
        body = {"error": {"code": "unauthorized", "message": "A valid bearer token is required."}}
        return response.json(body, status=401, headers={"WWW-Authenticate": "Bearer"})

    async def _failed(request: Request, exception: Exception) -> HTTPResponse:
        action = ""
        try:
            action = str((request.json or {}).get("next_action", ""))
        except Exception:  # noqa: BLE001 - an unparsable body has no action name to log
            pass
        logger.error("action %r failed", action, exc_info=exception)
        return response.json({"error": "the action failed", "action_name": action}, status=500)

    app.error_handler.add(Exception, _failed)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m qaid_bot.action_server", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--actions", default="qaid_bot.actions", help="actions package (%(default)s)")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--interface", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--ssl-certificate", help="serve TLS with this certificate (PEM)")
    parser.add_argument("--ssl-keyfile", help="the certificate's private key (PEM)")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    os.umask(0o077)  # its caches and logs are its user's only (the launcher sets the same for Rasa)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logsafe.install()
    if not settings().conversation_key:  # transcripts and image references need it
        raise SystemExit(f"action_server: {env.CONVERSATION_KEY.name} is not set")
    try:
        app = secure_app(args.actions, os.environ.get(TOKEN_ENV, ""))
    except ValueError as exc:
        raise SystemExit(f"action_server: {exc}") from None
    ssl: Any = create_ssl_context(args.ssl_certificate, args.ssl_keyfile)
    logger.info("serving actions on %s:%d (%s)", args.interface, args.port, "https" if ssl else "http")
    app.run(args.interface, args.port, ssl=ssl, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
