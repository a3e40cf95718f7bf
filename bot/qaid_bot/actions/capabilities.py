"""What each nearby hospital's HIP serves right now, from its own ``/v1/capabilities``.

The HIP is the authority (the hub's directory can lag a hot swap), and its capabilities say three
things the conversation needs: which question types its VQA was trained for, the sha256 of every
model file (hospitals serving the same file are one opinion, not several) and whether the models
were trained on generated demo data (then the patient is told, once).

Asked once per hospital per bundle version: an answer that names a newer bundle version than the
cached one makes the next lookup ask again, and entries expire after a minute anyway.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Hashable, Iterable

from qaid_contracts.hip import Capabilities
from qaid_contracts.hub import NearbyHospital

from ..clients import HipClient, ServiceError

__all__ = ["of", "for_hospitals", "model_key", "shared_backbone", "trained_on_demo_data", "clear_cache"]

_TTL_S = 60.0
_cache: dict[str, tuple[float, Capabilities]] = {}  # HIP base URL -> (when asked, capabilities)


def clear_cache() -> None:
    _cache.clear()


async def of(hip: HipClient, bundle_version: str | None = None) -> Capabilities:
    """This HIP's capabilities, from the cache unless stale or of another bundle version."""
    hit = _cache.get(hip.base)
    fresh = hit is not None and time.monotonic() - hit[0] < _TTL_S
    if hit is not None and fresh and bundle_version in (None, hit[1].get("bundle_version")):
        return hit[1]
    caps = await hip.capabilities()
    _cache[hip.base] = (time.monotonic(), caps)
    return caps


async def for_hospitals(
    hips: Iterable[tuple[NearbyHospital, HipClient, str | None]], timeout: float
) -> dict[str, Capabilities]:
    """Hospital id -> capabilities, asked in parallel; a hospital that does not answer is left out
    (its answers then count as an independent opinion, the cautious default for the wording)."""

    async def one(h: NearbyHospital, hip: HipClient, version: str | None) -> tuple[str, Capabilities | None]:
        try:
            return str(h["id"]), await asyncio.wait_for(of(hip, version), timeout)
        except (ServiceError, asyncio.TimeoutError):
            return str(h["id"]), None

    found = await asyncio.gather(*(one(*x) for x in hips))
    return {hid: caps for hid, caps in found if caps is not None}


def model_key(caps: Capabilities | None, task: str, topic: str | None = None) -> Hashable | None:
    """The sha256 of the model file that does ``task`` (for ``topic``), or None when unknown.

    For the analysis (filter and labeler) the key is the filter's file: the cascade is one file.
    """
    if caps is None:
        return None
    models = [m for m in caps.get("models") or [] if m.get("task") == task and m.get("sha256")]
    if topic is not None:
        models = [m for m in models if topic in (m.get("topics") or [])] or models
    return models[0]["sha256"] if models else None


def shared_backbone(caps: Iterable[Capabilities]) -> str | None:
    """The pretrained backbone under the image checks (the filter) of two or more of these hospitals,
    or None. Their files and heads differ, so their votes count separately, but the patient is told
    once that the hospitals' checks share that network: agreement then means less."""
    filters = [m for c in caps for m in c.get("models") or [] if m.get("task") == "filter"]
    seen = Counter(m.get("backbone") for m in filters)
    shared = [b for b, n in seen.most_common() if b and n >= 2]
    return shared[0] if shared else None


def trained_on_demo_data(caps: Iterable[Capabilities]) -> bool:
    """Does any of these hospitals serve models trained on generated demo data?"""
    return any(c.get("data_provenance") == "generated_demo" for c in caps)
