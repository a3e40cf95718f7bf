"""The FastAPI application factory: wiring of bundle, gate, image store, metrics and routes.

:func:`create_app` loads (and so validates) the bundle before returning unless one is passed in,
so an app object never exists for a bundle that cannot be served.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import FastAPI, Request, Response

from hip_service.bundle_loader import BundleError, LoadedBundle, load_bundle
from hip_service.config import HipConfig
from hip_service.image_store import ImageStore
from hip_service.metrics import Metrics
from hip_service.routes import HipState, admin, api, open_router
from hip_service.runtime import BundleHolder, InferenceGate
from qaid.api_errors import ApiError, install_error_handlers
from qaid.bundle import MANIFEST_NAME
from qaid.imaging import ImageError

log = logging.getLogger("hip_service")


def _image_error(exc: ImageError) -> ApiError:
    """A rejected upload (empty, too large, not an image, undecodable) is the client's error."""
    return ApiError(exc.status, exc.code, exc.message)


def _manifest_digest(state: HipState) -> str | None:
    try:
        return hashlib.sha256((state.holder.bundle_dir / MANIFEST_NAME).read_bytes()).hexdigest()
    except OSError:
        return None


async def watch_manifest(state: HipState, interval_s: float) -> None:
    """Poll manifest.json; on a new content, try a reload (a broken bundle is logged, not retried)."""
    seen = state.holder.loaded.manifest_sha256 if state.holder.loaded else None
    while True:
        await asyncio.sleep(interval_s)
        digest = await asyncio.to_thread(_manifest_digest, state)
        if digest is None or digest == seen:
            continue
        seen = digest
        try:
            fresh, _old = await asyncio.to_thread(state.holder.reload)
            state.metrics.reloads.labels("swapped").inc()
            seen = fresh.manifest_sha256
        except BundleError as exc:
            state.metrics.reloads.labels("rejected").inc()
            log.error("bundle reload rejected; previous bundle keeps serving", extra={"reason": str(exc)})


def create_app(config: HipConfig, bundle: LoadedBundle | None = None) -> FastAPI:
    if not config.token:
        raise ValueError("no HIP token configured (QAID_HIP_TOKEN); refusing to serve without auth")
    if bundle is None:
        bundle = load_bundle(config.bundle_dir, intra_op_threads=config.intra_op_threads)
    state = HipState(
        config=config,
        holder=BundleHolder(config.bundle_dir, config.intra_op_threads, bundle),
        gate=InferenceGate(config.max_concurrency, config.max_queue, config.retry_after_s),
        store=ImageStore(config.cache_max_items, config.cache_max_bytes, config.cache_ttl_s),
        metrics=Metrics(),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        watcher = None
        if config.watch_interval_s > 0:
            watcher = asyncio.create_task(watch_manifest(state, config.watch_interval_s))
        log.info("hip ready", extra={"hip_id": bundle.manifest.hip_id, "bundle_version": bundle.version})
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    app = FastAPI(
        title=f"Q&Aid HIP — {bundle.manifest.hip_name}",
        version="1",
        description="Health Intel Provider: one hospital's medical-image models (see docs/api.md).",
        lifespan=lifespan,
    )
    app.state.hip = state
    install_error_handlers(app, extra={ImageError: _image_error}, logger=log)

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        response = await state.metrics.middleware(request, call_next)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        log.info(
            "request",
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "ms": round((time.perf_counter() - start) * 1000, 1),
            },
        )
        return response

    app.include_router(open_router)
    app.include_router(api)
    app.include_router(admin)
    state.metrics.bundle_info.labels(bundle.version).set(bundle.loaded_at)
    return app
