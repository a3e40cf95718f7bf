"""Helpers for the joining tests: a tiny real bundle of the joining hospital, and helpers of other
test packages loaded by path (as tests/hardening does), so their conftest files stay out of the way.

(A uniquely named module, not conftest.py, so test modules import it unambiguously beside the other
packages' conftest files.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from qaid.bundle import read_manifest, write_manifest

TESTS = Path(__file__).resolve().parents[1]
HOSPITAL = "floreasca"


def helpers(name: str, directory: str) -> ModuleType:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TESTS / directory / f"{name}.py")
        assert spec is not None and spec.loader is not None
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


def make_bundle(directory: Path, *, hip_id: str = HOSPITAL, version: str = "1.0.0",
                vqa_topics: list[str] | None = None) -> Path:  # fmt: skip
    """The HIP tests' tiny real bundle (ONNX files, hashes, manifest), as ``hip_id``'s."""
    helpers("hip_tiny_bundle", "hip_service").build_bundle(directory, version=version, vqa_topics=vqa_topics)
    m = read_manifest(directory)
    write_manifest(directory, m.model_copy(update={"hip_id": hip_id, "hip_name": "Floreasca Hospital"}))
    return directory
