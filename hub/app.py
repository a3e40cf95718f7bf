"""The transcripts hub: hospital directory, image store, transcript intake and the delivery worker.

``python -m hub`` serves the API on ``settings.host:settings.port(settings.hub_port)``
and runs the delivery worker in-process (an asyncio task), so the demo needs one process; run
``python -m hub.worker`` beside it (or instead of the in-process one, ``--no-worker``)
for production. On start the schema is migrated and the demo hospitals are (re)registered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from starlette.middleware.base import RequestResponseEndpoint

from hub.context import HubContext
from hub.crypto import DataBox, tokens_equal
from hub.db import migrate
from hub.directory import sync_demo_hospitals
from hub.metrics import HubMetrics
from hub.outbox import RetryPolicy
from hub.reply_schemas import ReplyEvent
from hub.routes import hospitals as hospitals_routes
from hub.routes import images as images_routes
from hub.routes import replies as replies_routes
from hub.routes import transcripts as transcripts_routes
from hub.schemas import Health, WebchatConfig
from hub.worker import Worker, webhook_tls
from qaid import headers, redact
from qaid.api_errors import ErrorResponse, error_response, install_error_handlers
from qaid.config import REPO_ROOT, Settings, operator_settings, private_files
from qaid.db import STORAGE_ERRORS, make_engine, session_factory, storage_unavailable
from qaid.transcript.schema import CODED_ERROR_TYPES
from qaid_contracts.limits import MAX_HUB_JSON_BYTES, MAX_IMAGE_BYTES
from qaid_contracts.ratelimit import RateLimiter, retry_after

log = logging.getLogger("hub")
# The web chat page (plain HTML/JS, vendored assets: nothing to build or download at run time).
WEBCHAT_DIR = REPO_ROOT / "webchat"
# JSON bodies (transcripts, registrations) above this are refused before parsing.
REQUIRED_SECRETS = (
    "hub_admin_token",
    "hub_service_token",
    "webhook_secret_seed",
    "data_key",
    "conversation_key",
)


def check_secrets(settings: Settings) -> None:
    missing = [name for name in REQUIRED_SECRETS if not getattr(settings, name)]
    if missing:
        raise RuntimeError(
            "hub secrets not configured: "
            + ", ".join(f"QAID_{m.upper()}" for m in missing)
            + " (the launcher generates var/secrets.env; see qaid.config.ensure_secrets)"
        )


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    run_worker: bool = True,
    policy: RetryPolicy | None = None,
    worker_poll_s: float = 0.25,
    image_limit: int = MAX_IMAGE_BYTES,
    purge_every_s: float = 3600.0,
    upload_limiter: RateLimiter | None = None,
) -> FastAPI:
    settings = settings or operator_settings()
    uploads = (
        upload_limiter
        if upload_limiter is not None
        else RateLimiter(settings.image_upload_burst, settings.image_upload_per_minute)
    )
    check_secrets(settings)
    engine = engine or make_engine(settings.hub_db_url())
    box = DataBox(settings.data_key)
    hub = HubContext(settings=settings, engine=engine, sessions=session_factory(engine), box=box)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(migrate, engine)

        def _sync() -> None:
            with hub.sessions() as db:
                sync_demo_hospitals(db, box, settings)
                db.commit()

        await asyncio.to_thread(_sync)
        stop = asyncio.Event()
        task = None
        if run_worker:
            worker = Worker(
                engine,
                box,
                policy,
                poll_s=worker_poll_s,
                public_url=settings.hub_public_url,
                retention=timedelta(days=settings.retention_days),
                purge_every_s=purge_every_s,
                tls=webhook_tls(settings.webhook_ca_file),
                conversation_key=settings.conversation_key,
                offers_every_s=settings.offers_refresh_s,
                allow_private=settings.join_allow_private,
                bot_url=settings.rasa_url,
                bot_secret=settings.bot_webhook_secret,
            )
            task = asyncio.create_task(worker.run(stop), name="delivery-worker")
            log.info("in-process delivery worker %s started", worker.worker_id)
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task

    app = FastAPI(title="Q&Aid transcripts hub", version="1", lifespan=lifespan)
    # where the page's socket.io client connects: the Rasa server's socket.io port (issue 18)
    rasa_url = (settings.public_rasa_url or settings.socketio_url).rstrip("/")
    app.state.hub = hub
    metrics = HubMetrics(hub.sessions)
    app.state.image_limit = image_limit
    install_error_handlers(
        app,
        coded_types=CODED_ERROR_TYPES,
        model_validation=True,
        extra=dict.fromkeys(STORAGE_ERRORS, storage_unavailable),
    )

    @app.middleware("http")
    async def _json_body_limit(request: Request, call_next: RequestResponseEndpoint) -> Response:
        declared = request.headers.get("content-length", "")
        is_image = request.url.path.startswith("/api/v1/images")
        if not is_image and declared.isdigit() and int(declared) > MAX_HUB_JSON_BYTES:
            return error_response(413, "payload_too_large", "The request body is too large.")
        return await call_next(request)

    @app.middleware("http")
    async def _upload_rate_limit(request: Request, call_next: RequestResponseEndpoint) -> Response:
        # Anonymous uploads (the web chat page) are limited per client address before the body is
        # read. The bot and the channels upload for many patients with the service token and limit
        # per sender themselves. Behind a proxy the address is the real client's only when uvicorn
        # trusts that proxy (--forwarded-allow-ips; docs/operations.md).
        if uploads.enabled and request.method == "POST" and request.url.path.rstrip("/") == "/api/v1/images":
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if not (scheme.lower() == "bearer" and tokens_equal(token.strip(), settings.hub_service_token)):
                wait = uploads.take(request.client.host if request.client else "unknown")
                if wait:
                    metrics.uploads_limited.inc()
                    message = "Too many images from your address; please wait a moment and try again."
                    headers = {"Retry-After": retry_after(wait)}
                    return error_response(429, "too_many_requests", message, headers)
        return await call_next(request)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEBCHAT_DIR / "index.html", media_type="text/html")

    @app.get("/api/v1/webchat-config", response_model=WebchatConfig)
    def webchat_config() -> WebchatConfig:
        """Where the page finds Rasa: the configured address, never one built from the Host header
        (a forged Host would send the patient's chat to another server)."""
        return WebchatConfig(rasa_url=rasa_url, socket_path="/socket.io/", max_image_bytes=image_limit)

    app.mount("/webchat", StaticFiles(directory=WEBCHAT_DIR), name="webchat")

    @app.get("/health", response_model=Health)
    def health() -> Health:
        return Health(status="ok", service="hub")

    @app.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
    def prometheus() -> Response:
        """Prometheus metrics (docs/operations.md): counts and latencies only, no patient data."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    rasa_origin = headers.origin(rasa_url)
    ws_origin = rasa_origin.replace("http", "ws", 1)  # http -> ws, https -> wss
    headers.install(app, headers.csp(connect=(rasa_origin, ws_origin)))
    # Outermost, so it also counts what the other middlewares refuse (413, 429).
    app.middleware("http")(metrics.middleware)

    app.include_router(hospitals_routes.router)
    app.include_router(images_routes.router)
    app.include_router(transcripts_routes.router)
    app.include_router(replies_routes.router)
    _document_rate_limit(app)
    return app


def _document_rate_limit(app: FastAPI) -> None:
    """Add the middleware's 429 to the upload operation's OpenAPI responses (clients and fuzzers read
    the schema); done on the generated schema because routers are included lazily."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = generate()
        if fresh:
            upload = schema["paths"]["/api/v1/images"]["post"]
            upload["responses"]["429"] = {
                "description": "Too many uploads from this address (see Retry-After).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
            }
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            # ErrorResponse for the 429; ReplyEvent for the reply route, which reads its raw body.
            for model in (ErrorResponse, ReplyEvent):
                found = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, component in {**found.pop("$defs", {}), model.__name__: found}.items():
                    components.setdefault(name, component)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Q&Aid transcripts hub")
    parser.add_argument("--no-worker", action="store_true", help="do not run the in-process delivery worker")
    args = parser.parse_args(argv)
    private_files()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = operator_settings()
    app = create_app(settings, run_worker=not args.no_worker)
    # Access-log lines carry image capability tokens and the patient's coordinates: redacted.
    port = settings.port(settings.hub_port)
    redact.serve(app, host=settings.host, port=port, log_level="info", **settings.proxy_options())


if __name__ == "__main__":
    main()
