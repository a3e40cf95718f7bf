"""The two pieces of shared mutable state: the current bundle and the inference gate.

* :class:`BundleHolder` swaps the whole :class:`LoadedBundle` reference atomically. A request reads
  ``holder.current`` once and keeps that object, so a reload never changes models under it.
  Reloads are serialised and the candidate is fully loaded and validated before the swap.
* :class:`InferenceGate` runs CPU work on a small dedicated thread pool (never on the event loop)
  and refuses work with 503 + Retry-After once running + queued jobs reach the limit, so overload
  sheds load quickly instead of piling up latency.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from hip_service.bundle_loader import LoadedBundle, load_bundle
from qaid.api_errors import ApiError

T = TypeVar("T")
log = logging.getLogger("hip_service")


class BundleHolder:
    def __init__(self, bundle_dir: Path, intra_op_threads: int, bundle: LoadedBundle | None = None) -> None:
        self.bundle_dir = bundle_dir
        self.intra_op_threads = intra_op_threads
        self._current = bundle
        self._reload_lock = threading.Lock()

    @property
    def current(self) -> LoadedBundle:
        bundle = self._current
        if bundle is None:
            raise ApiError(503, "not_ready", "The model bundle is not loaded yet.", {"Retry-After": "1"})
        return bundle

    @property
    def loaded(self) -> LoadedBundle | None:
        return self._current

    def reload(self) -> tuple[LoadedBundle, LoadedBundle | None]:
        """Load and validate the bundle directory again, then swap; BundleError leaves the old one."""
        with self._reload_lock:
            fresh = load_bundle(self.bundle_dir, intra_op_threads=self.intra_op_threads)
            old, self._current = self._current, fresh  # single reference assignment: atomic
        log.info(
            "bundle swapped",
            extra={"bundle_version": fresh.version, "previous_version": old.version if old else None},
        )
        return fresh, old


class InferenceGate:
    def __init__(self, workers: int, queue: int, retry_after_s: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="hip-infer")
        self._limit = max(1, workers) + max(0, queue)
        self._admitted = 0
        self._lock = threading.Lock()
        self._retry_after = str(retry_after_s)

    @property
    def admitted(self) -> int:
        return self._admitted

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        with self._lock:
            if self._admitted >= self._limit:
                raise ApiError(
                    503,
                    "overloaded",
                    "The service is busy; retry shortly.",
                    {"Retry-After": self._retry_after},
                )
            self._admitted += 1
        # The slot is released when the thread is done (or the job is cancelled before it starts),
        # not when the awaiting request goes away: a disconnected client must not free a busy worker.
        future = self._pool.submit(fn, *args)
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _release(self, _future: object) -> None:
        with self._lock:
            self._admitted -= 1

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
