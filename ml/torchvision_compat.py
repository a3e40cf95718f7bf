"""Import torchvision beside a CPU-only torch whose matching torchvision C++ extension is missing.

Why: the PyPI wheel ``torchvision==0.28.0`` is a CUDA build. Beside the ``+cpu`` torch of this
project its ``_C`` extension fails to load, so the ``torchvision::nms``/``qnms`` operators are never
defined and ``torchvision/_meta_registrations.py`` crashes at import time when it registers fake
(meta) kernels for them ("operator torchvision::nms does not exist"). Models and transforms do
not need those operators at all.

What: before torchvision is imported we try to load its extension exactly as torchvision would; if
that works (a matching build) we do nothing else. Otherwise we *declare* the two operator schemas
with :mod:`torch.library` (no kernels), which is all the import needs. Calling
``torchvision.ops.nms`` then still fails with a clear "no kernel" error instead of a silent wrong
answer, which is fine: Q&Aid never uses detection ops.

Use ``from ml.torchvision_compat import torchvision`` everywhere instead of ``import torchvision``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

# Schemas as declared by torchvision's C++ sources (csrc/ops/nms.cpp and the quantized variant).
_SCHEMAS: tuple[str, ...] = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)

# Kept at module level: a torch.library.Library un-registers its definitions when collected.
_LIB: torch.library.Library | None = None


def _op_exists(name: str) -> bool:
    try:
        torch._C._get_schema(f"torchvision::{name}", "")
    except RuntimeError:
        return False
    return True


def _load_real_extension() -> bool:
    """Load torchvision's own ``_C`` library without importing the package; True if it loads."""
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return False
    for location in spec.submodule_search_locations:
        for lib in sorted(Path(location).glob("_C*.so")) + sorted(Path(location).glob("_C*.pyd")):
            try:
                torch.ops.load_library(str(lib))
                return True
            except (OSError, RuntimeError):
                continue
    return False


def ensure_torchvision_ops() -> bool:
    """Declare the missing torchvision operator schemas; returns True if a stub was needed."""
    global _LIB
    if _op_exists("nms") or _load_real_extension() and _op_exists("nms"):
        return False
    if _LIB is None:
        _LIB = torch.library.Library("torchvision", "FRAGMENT")
        for schema in _SCHEMAS:
            if not _op_exists(schema.split("(", 1)[0]):
                _LIB.define(schema)
    return True


STUBBED = ensure_torchvision_ops()

import torchvision  # noqa: E402  (must come after the schemas are declared)

__all__ = ["STUBBED", "ensure_torchvision_ops", "torchvision"]
