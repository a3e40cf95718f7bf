"""Helpers for the joining tests: a tiny real bundle of the joining hospital, and helpers of other
test packages loaded by path (as tests/hardening does), so their conftest files stay out of the way.

(A uniquely named module, not conftest.py, so test modules import it unambiguously beside the other
packages' conftest files.)"""

from __future__ import annotations

import importlib.util
import subprocess
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


# The smallest real training ``python -m ml.train_cli`` runs (generated demo data at 5 %, 32 px,
# one epoch, one thread): a real bundle in seconds, too small to beat the trivial baselines.
TINY_TRAINING = ["--demo", "--demo-scale", "0.05", "--epochs", "1", "--size", "32", "--batch-size", "8",
                 "--threads", "1", "--seed", "0", "--no-progress"]  # fmt: skip
TINY_WIDTH = {"cascade": ["--width", "4"], "vqa": ["--width", "4"]}


def train_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "ml.train_cli", *args]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)


def train_tiny(task: str, bundle: Path, run_dir: Path, *bundle_args: str, head: str, cwd: Path) -> Path:
    """Train ``task`` into ``bundle`` as a hospital would, and show the baseline gate on the way.

    The tiny model does not beat its trivial baseline, so the CLI refuses first (exit 3, a WARNING
    naming ``head``, no bundle written); the same finished run is then shipped with ``--resume
    --allow-below-baseline``, which the manifest records."""
    common = ["--task", task, "--out", str(run_dir), "--bundle-out", str(bundle), *TINY_TRAINING,
              *TINY_WIDTH[task], *bundle_args]  # fmt: skip
    before = read_manifest(bundle).bundle_version if (bundle / "manifest.json").exists() else None
    refused = train_cli(*common, cwd=cwd)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert f"WARNING: {head}: validation" in refused.stderr and "no bundle written" in refused.stderr
    now = read_manifest(bundle).bundle_version if (bundle / "manifest.json").exists() else None
    assert now == before  # nothing was written or replaced
    shipped = train_cli(*common, "--resume", "--allow-below-baseline", cwd=cwd)
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    assert "epoch 1:" in refused.stdout and "epoch 1:" not in shipped.stdout  # shipped, not trained again
    assert "WRITTEN BELOW BASELINE" in read_manifest(bundle).models[-1].provenance.notes
    return bundle
