"""Runtime knobs of one HIP process.

The network-wide values (token, ports, bundle directory) come from :mod:`qaid.config`; the knobs
below are per-process limits that only the HIP needs, so they live here with safe defaults and can
be overridden with ``QAID_HIP_<NAME>`` environment variables (see :func:`HipConfig.from_env`).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from qaid_contracts.limits import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS


@dataclass(frozen=True)
class HipConfig:
    bundle_dir: Path
    token: str
    # Bearer token for /v1/admin/* (bundle reload). Empty means: the service token is also admin.
    admin_token: str = ""  # QAID_HIP_ADMIN_TOKEN
    # ONNX Runtime threads per session: small, because requests run in parallel across sessions.
    intra_op_threads: int = 1
    # Inference slots (worker threads) and how many requests may wait for one before 503.
    max_concurrency: int = 2
    max_queue: int = 8
    retry_after_s: int = 1
    # Upload limits: the network-wide ones by default (a HIP may only lower them).
    max_image_bytes: int = MAX_IMAGE_BYTES
    max_image_pixels: int = MAX_IMAGE_PIXELS
    # Decoded-image cache: bounded by count, by total decoded bytes and by age.
    cache_max_items: int = 256
    cache_max_bytes: int = 512 * 1024 * 1024
    cache_ttl_s: float = 3600.0
    # Segmentation: mask probability threshold and the lesion fraction above which an image is abnormal.
    mask_threshold: float = 0.5
    abnormal_min_fraction: float = 0.002
    # Seconds between checks of manifest.json for a hot swap; 0 disables the watcher.
    watch_interval_s: float = 0.0

    @property
    def admin(self) -> str:
        return self.admin_token or self.token

    @classmethod
    def from_env(cls, bundle_dir: Path, token: str, **overrides: object) -> HipConfig:
        """Defaults, then ``QAID_HIP_<FIELD>`` environment variables, then explicit overrides."""
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = os.environ.get(f"QAID_HIP_{f.name.upper()}")
            if raw is not None and f.name not in ("bundle_dir", "token"):
                values[f.name] = _parse(raw, f.default)
        values.update(overrides)
        return cls(bundle_dir=bundle_dir, token=token, **values)  # type: ignore[arg-type]


def _parse(raw: str, default: object) -> object:
    """An environment value as the type of the knob's default (every knob has a scalar default)."""
    if isinstance(default, (int, float, str)):
        return type(default)(raw)
    raise TypeError(f"no parser for a knob whose default is {default!r}")
