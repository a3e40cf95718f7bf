"""A hospital's webhook inbox: receives signed transcripts from the hub and shows them to doctors.

``python -m inbox --hospital <id>`` serves a demo hospital on ``settings.port(h.inbox_port)``; any
other hospital gives ``--name`` and ``--port`` and its own signing secret(s) in
``QAID_INBOX_SECRETS`` (``python -m hospital_kit run`` does all of that from one settings file). Each
request is verified with the Standard Webhooks library itself (HMAC over id, timestamp and the
exact body bytes; a five-minute timestamp tolerance refuses stale or replayed-later requests)
before anything is parsed or stored. Deduplication by ``webhook-id`` makes the hub's at-least-once
delivery exactly-once for the doctor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.background import BackgroundTask

from inbox import oidc_routes, pages, reply_routes
from inbox.accounts import Accounts
from inbox.cases import Cases
from inbox.images import CaseImages
from inbox.oidc import CALLBACK_PATH, OidcConfigError, Provider
from inbox.replies import Replies, ReplySender
from inbox.settings import DEFAULT, WorkbenchSettings
from inbox.store import InboxStore
from inbox.workbench import Workbench, install
from qaid import headers, redact
from qaid.api_errors import ApiError, error_responses, install_error_handlers
from qaid.config import HospitalSpec, Settings, get_settings, private_files, webhook_secret
from qaid.db import STORAGE_ERRORS, storage_unavailable
from qaid.transcript.schema import CODED_ERROR_TYPES, Transcript
from qaid.webhooks import EVENT_TYPE, REQUIRED_HEADERS, TEST_EVENT_TYPE, check_secret, verify
from qaid_contracts.replies import REPLY_ANSWERED

log = logging.getLogger("inbox")
MAX_BODY_BYTES = 5 * 1024 * 1024
_FHIR: dict[str, dict[str, Any]] = {"application/fhir+json": {}}
UNAVAILABLE = (
    "Image unavailable: the inbox holds no verified copy (the hub did not link it, could not be "
    "reached, or sent other bytes than the transcript's sha256)."
)


class WebhookEvent(BaseModel):
    """The delivered event. The route verifies the signature over the raw bytes first and validates
    this model itself afterwards, so FastAPI must not read the body (``_EVENT_BODY`` documents it)."""

    type: Literal["transcript.created"]
    timestamp: str
    data: Transcript
    links: dict[str, dict[str, str]] = Field(default_factory=dict)


_EVENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookEvent"}}},
    }
}


def _with_event_schema(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` plus the WebhookEvent component that ``_EVENT_BODY`` refers to."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = generate()
        if fresh:
            event = WebhookEvent.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(event.pop("$defs", {}), WebhookEvent=event)
        return schema

    return openapi


class InboxConfigError(ValueError):
    """The inbox cannot start: the message says which setting to give."""


def _demo_spec(settings: Settings, hospital_id: str) -> HospitalSpec | None:
    return next((h for h in settings.hospitals if h.id == hospital_id), None)


def signing_secrets(settings: Settings, hospital_id: str, secrets: list[str] | None = None) -> list[str]:
    """The secrets deliveries are verified with: given, else ``QAID_INBOX_SECRETS``, else (a demo
    hospital of the launcher's network only) derived from ``QAID_WEBHOOK_SECRET_SEED``."""
    if secrets is None and settings.inbox_secrets.strip():
        secrets = [s.strip() for s in settings.inbox_secrets.split(",") if s.strip()]
    if secrets is None and settings.webhook_secret_seed and _demo_spec(settings, hospital_id):
        secrets = [webhook_secret(settings.webhook_secret_seed, hospital_id)]
    if not secrets:
        raise InboxConfigError(
            f"no signing secret for hospital {hospital_id!r}: set QAID_INBOX_SECRETS to the whsec_ "
            "secret(s) registered with the hub for your webhook (comma-separated, newest first; "
            "python -m hospital_kit init writes one)"
        )
    for secret in secrets:
        try:
            check_secret(secret)
        except ValueError as exc:
            raise InboxConfigError(f"QAID_INBOX_SECRETS: {exc}") from exc
    return secrets


def _oidc_signin(settings: Settings, workbench: WorkbenchSettings) -> oidc_routes.OidcSignin:
    """The hospital's OpenID Connect provider from the settings (InboxConfigError names what is wrong)."""
    if not settings.inbox_public_url:
        raise InboxConfigError("QAID_INBOX_OIDC_ISSUER needs QAID_INBOX_PUBLIC_URL: the inbox's address as "
                               "doctors' browsers reach it (its sign-in redirect_uri)")  # fmt: skip
    try:
        provider = Provider(settings.inbox_oidc_issuer, settings.inbox_oidc_client_id,
                            settings.inbox_oidc_client_secret,
                            settings.inbox_public_url.rstrip("/") + CALLBACK_PATH, workbench)  # fmt: skip
    except OidcConfigError as exc:
        raise InboxConfigError(str(exc)) from exc
    domains = frozenset(
        d.strip().lower().lstrip("@") for d in settings.inbox_oidc_email_domains.split(",") if d.strip()
    )
    return oidc_routes.OidcSignin(provider, domains)


def create_app(
    settings: Settings | None = None,
    hospital_id: str | None = None,
    *,
    secrets: list[str] | None = None,
    db_path: Path | None = None,
    access_token: str | None = None,
    name: str | None = None,
    workbench: WorkbenchSettings = DEFAULT,
    send_replies: bool = True,
) -> FastAPI:
    """The inbox of ``hospital_id``: a demo hospital of ``settings.hospitals``, or any hospital
    with its ``name`` (InboxConfigError says what is missing). With ``send_replies`` a task sends
    doctors' replies to the hub (``settings.hub_public_url``) while the app runs."""
    settings = settings or get_settings()
    access_token = settings.inbox_token if access_token is None else access_token
    if not hospital_id:
        raise InboxConfigError("an inbox serves one hospital: give its id (--hospital)")
    demo = _demo_spec(settings, hospital_id)
    if name is None and demo is None:
        raise InboxConfigError(
            f"{hospital_id!r} is not a demo hospital: give its display name (--name) and port (--port)"
        )
    # The zone appointments are written in: the setting, else a demo hospital's own, else UTC.
    zone = settings.inbox_time_zone or (demo.time_zone if demo else "") or "UTC"
    spec = HospitalSpec(id=hospital_id, name=name or (demo.name if demo else ""), lat=0, lon=0,
                        hip_port=0, inbox_port=0, offers={}, time_zone=zone)  # fmt: skip
    secrets = signing_secrets(settings, spec.id, secrets)
    db_path = db_path or settings.var_dir / f"inbox-{spec.id}.sqlite3"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    store = InboxStore(db_path)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop)) if send_replies else None
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task

    app = FastAPI(title=f"{spec.name} transcript inbox", version="1", lifespan=lifespan)
    app.state.store = store
    replies = Replies(store.engine)
    wb = Workbench(spec.id, spec.name, store, Accounts(store.engine, workbench), Cases(store.engine),
                   workbench, access_token, replies, spec.time_zone)  # fmt: skip
    if settings.inbox_oidc_issuer:
        wb.oidc_name = settings.inbox_oidc_name or "the hospital account"
        oidc = _oidc_signin(settings, workbench)
    sender = ReplySender(replies, spec.id, settings.hub_public_url, secrets, wb.accounts.log)
    app.state.reply_sender = sender
    app.state.workbench = wb
    kept = app.state.case_images = CaseImages(
        store.engine, settings.hub_public_url, timeout_s=workbench.image_timeout_s
    )

    def keep_images(entry: dict[str, Any], budget_s: float) -> dict[str, bytes]:
        """The transcript's kept images, after fetching from the hub those not kept yet (audited)."""
        wid = entry["webhook_id"]
        got = kept.fetch(wid, entry["transcript"], entry["links"]["images"], budget_s)
        if got.kept or got.failed:
            wb.accounts.log("hub", "images", wid, got.summary())
        return kept.held(wid)

    def keep_received(webhook_id: str) -> None:
        entry = store.get(webhook_id)
        if entry is not None:
            keep_images(entry, workbench.image_receive_budget_s)

    install_error_handlers(
        app,
        coded_types=CODED_ERROR_TYPES,
        model_validation=True,
        extra=dict.fromkeys(STORAGE_ERRORS, storage_unavailable),
    )
    app.openapi = _with_event_schema(app)  # type: ignore[method-assign]
    errors = error_responses()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "service": "inbox", "hospital": spec.id}

    @app.post("/webhooks/transcripts", openapi_extra=_EVENT_BODY, responses=errors)
    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise ApiError(413, "payload_too_large", "The webhook body is too large.")
        event = verify(secrets, body, dict(request.headers))
        webhook_id = request.headers["webhook-id"]
        if isinstance(event, dict) and event.get("type") == REPLY_ANSWERED:
            status = await run_in_threadpool(reply_routes.record_answer, wb, replies, event.get("data") or {})
            return JSONResponse({"status": status, "webhook_id": webhook_id})
        if isinstance(event, dict) and event.get("type") == TEST_EVENT_TYPE:
            # The hub's "send test event" (on joining): verified above, nothing to keep.
            log.info("webhook %s: test event verified", webhook_id)
            return JSONResponse({"status": "test_ok", "webhook_id": webhook_id})
        if not isinstance(event, dict) or event.get("type") != EVENT_TYPE:
            raise ApiError(422, "unsupported_event", f"Only {EVENT_TYPE} events are accepted.")
        if await run_in_threadpool(store.seen, webhook_id):
            log.info("webhook %s: duplicate ignored", webhook_id)
            return JSONResponse({"status": "duplicate", "webhook_id": webhook_id})
        try:
            transcript = WebhookEvent.model_validate(event).data
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = [str(p) for p in first["loc"]]
            if loc[:1] == ["data"]:
                message = f"The transcript does not match the schema ({'.'.join(loc[1:])}: {first['msg']})."
                raise ApiError(422, "invalid_transcript", message) from exc
            message = f"The event does not match the schema ({'.'.join(loc)}: {first['msg']})."
            raise ApiError(422, "invalid_event", message) from exc
        if spec.id not in transcript.consent.hospitals:
            # The patient did not consent to this hospital: do not keep what we should not have.
            raise ApiError(422, "not_consented", f"The patient did not consent to sharing with {spec.id}.")
        event["data"] = transcript.model_dump(mode="json")
        signature_headers = {h: request.headers[h] for h in REQUIRED_HEADERS}
        created = await run_in_threadpool(store.add, webhook_id, event, body, signature_headers)
        if created:
            await run_in_threadpool(wb.accounts.log, "hub", "received", webhook_id, "signature verified")
        log.info("transcript %s via %s (new: %s)", transcript.conversation_id, webhook_id, created)
        # The images are fetched after the hub has its answer (its timeout is 10 s): a PDF asked for
        # before they are kept fetches the missing ones itself.
        fetch = BackgroundTask(keep_received, webhook_id) if created else None
        outcome = {"status": "received" if created else "duplicate", "webhook_id": webhook_id}
        return JSONResponse(outcome, background=fetch)

    @app.get("/api/transcripts")
    def api_list() -> list[dict[str, Any]]:
        """Every received transcript, urgent first then newest (a bare JSON list)."""
        return store.list()

    @app.get("/api/transcripts/{webhook_id}", responses=errors)
    def api_get(webhook_id: str) -> dict[str, Any]:
        entry = store.get(webhook_id)
        if entry is None:
            raise ApiError(404, "transcript_not_found", f"No transcript {webhook_id}.")
        return entry

    def _entry(webhook_id: str) -> dict[str, Any]:
        entry = store.get(webhook_id)
        if entry is None:
            raise ApiError(404, "transcript_not_found", f"No transcript {webhook_id}.")
        return entry

    names = {h.id: h.name for h in settings.hospitals} | {spec.id: spec.name}

    # Declared before the HTML detail route, whose {webhook_id} would otherwise swallow the suffix.
    @app.get(
        "/transcripts/{webhook_id}.pdf",
        response_class=Response,
        responses={**errors, 200: {"content": {"application/pdf": {}}}},
    )
    def detail_pdf(request: Request, webhook_id: str) -> Response:
        from qaid.transcript import pdf  # imported on first use: keeps the inbox's start fast

        entry = _entry(webhook_id)
        wb.accounts.log(wb.actor(request), "pdf", webhook_id)
        meta = f"received by {spec.name} {entry['received_at']}, webhook-id {webhook_id}, signature verified"
        held = keep_images(entry, workbench.image_download_budget_s)
        document = pdf.render(
            entry["transcript"], hospital_name=spec.name, meta=meta, images=held, unavailable=UNAVAILABLE
        )
        disposition = f'attachment; filename="{webhook_id}.pdf"'
        return Response(document, media_type="application/pdf", headers={"Content-Disposition": disposition})

    @app.get("/transcripts/{webhook_id}.fhir.json", responses={**errors, 200: {"content": _FHIR}})
    def detail_fhir(request: Request, webhook_id: str) -> JSONResponse:
        from qaid.transcript import fhir

        entry = _entry(webhook_id)
        wb.accounts.log(wb.actor(request), "fhir", webhook_id)
        held = keep_images(entry, workbench.image_download_budget_s)
        # Kept bytes go inline: the hub's link stops working at its retention purge. A link only
        # for an image the inbox could not keep.
        urls = {k: v for k, v in entry["links"]["images"].items() if k not in held}
        bundle = fhir.bundle(entry["transcript"], hospital_names=names, image_urls=urls, images=held)
        return JSONResponse(bundle, media_type="application/fhir+json")

    reply_routes.install(app, wb, replies)
    if wb.oidc_name:
        oidc_routes.install(app, wb, oidc)
    install(app, wb)  # after the .pdf/.fhir.json routes: its {webhook_id} page would swallow them
    # Added last, so outermost: every response carries them, the access check's 401 too. The pages'
    # one inline <style> by its hash; images only from the hub (capability links).
    policy = headers.csp(
        style=(headers.style_hash(pages.STYLE),), img=(headers.origin(settings.hub_public_url),)
    )
    headers.install(app, policy)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m inbox",
        description="Q&Aid hospital transcript inbox. Secrets come from the environment, never from "
        "the command line: QAID_INBOX_SECRETS (the whsec_ signing secret(s) you registered with the "
        "hub) and QAID_INBOX_TOKEN (the doctors' password for the pages; required).",
    )
    parser.add_argument("--hospital", required=True, help="your hospital id, as registered with the hub")
    parser.add_argument("--name", help="display name (required unless the id is a demo hospital)")
    parser.add_argument("--port", type=int, help="port (required unless the id is a demo hospital)")
    parser.add_argument("--host", help="bind address (default: QAID_HOST, 127.0.0.1)")
    parser.add_argument("--db", type=Path, help="SQLite file (default: <QAID_VAR_DIR>/inbox-<id>.sqlite3)")
    args = parser.parse_args(argv)
    private_files()
    try:
        settings = get_settings()
    except ValidationError as exc:  # a wrong QAID_* value: name it, no traceback
        names = (f"QAID_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        parser.error("; ".join(names))
    demo = _demo_spec(settings, args.hospital)
    if args.port is None and demo is None:
        parser.error(f"{args.hospital!r} is not a demo hospital: give --name and --port")
    port = args.port if args.port is not None else settings.port(demo.inbox_port)  # type: ignore[union-attr]
    try:
        app = create_app(settings, args.hospital, db_path=args.db, name=args.name)
    except InboxConfigError as exc:
        parser.error(str(exc))
    if not settings.inbox_token:  # names and phone numbers must not be open to anyone on the host
        parser.error("QAID_INBOX_TOKEN is not set: the doctors' password for the pages (the hospital kit and "
                     "the demo launcher generate one)")  # fmt: skip
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    redact.serve(app, host=args.host or settings.host, port=port, log_level="info")


if __name__ == "__main__":
    main()
