"""Filter + labeler latency: the served cascade beside the 64-px DenseNet cascade of the original bundles.

Run from the repository root after ``make bundles``::

    .venv/bin/python bench/cascade_bench.py [--bundle var/bundles/cismigiu] [--iters 200] [--json FILE]

Both cascades are timed in the same run, interleaved (``timing.time_paired``), through the HIP's
own code: ``hip_service.bundle_loader.load_bundle`` (the HIP's session options) and
``hip_service.inference.run_cascade`` (decode-free: to_input + one ORT run + calibrated reading).
"Today's 64-px bundle" is the DenseNet-121 cascade of ``ml.models.Cascade`` at 64 px, exported by
``ml.export`` into a bundle of the old shape (filter + labeler only); latency does not depend on
its weights, so fresh weights stand in for the old trained ones. The served cascade is the frozen
EfficientNet-Lite0 + linear heads of ``ml.pretrained_cascade`` (since 2026-12-04); the size sweep
exports fresh from-scratch CascadeNets (the bundles' cascade before that) at 64, 96 and 128 px and
the Lite0 cascade at 96, 128 and 160 px, so each row is what that input size costs in one
``session.run`` (accuracy per size: docs/models.md). Target: filter + labeler p50 <= 55 ms on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
for p in (str(REPO), str(REPO / "bench")):
    if p not in sys.path:
        sys.path.insert(0, p)

from timing import load_average, table, time_paired  # noqa: E402

from hip_service.bundle_loader import _session_options, load_bundle  # noqa: E402
from hip_service.inference import run_cascade  # noqa: E402
from ml.bundle_writer import cascade_entries, new_manifest, write_bundle  # noqa: E402
from ml.cascade_data import OOD_GROUPS  # noqa: E402
from ml.export import export_cascade  # noqa: E402
from ml.models import Cascade, CascadeNet  # noqa: E402
from ml.pretrained_cascade import PretrainedCascadeNet  # noqa: E402
from qaid.bundle import BODY_PARTS, LABELS, MODALITIES, ORIENTATIONS, InputSpec, Provenance  # noqa: E402
from qaid.config import get_settings  # noqa: E402
from qaid.imaging import to_input  # noqa: E402

TARGET_MS = 55.0
IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}


def old_bundle(directory: Path) -> Path:
    """A bundle of the pre-issue-14 shape: DenseNet-121 cascade at 64 px, filter + labeler."""
    torch.manual_seed(0)
    stage = directory / "stage"
    stage.mkdir(parents=True)
    heads = export_cascade(Cascade(len(BODY_PARTS)).eval(), stage / "cascade.onnx", 64)
    prov = Provenance(training_run="bench: fresh weights", data="none", created_at="now")
    spec = InputSpec(size=64, channels=3, **IMAGENET)
    entries = cascade_entries(stage / "cascade.onnx", "old-64", spec, heads, prov)
    manifest = new_manifest("old", "Old 64-px cascade", "old-64", "now", entries)
    return write_bundle(directory / "old64", manifest, {"cascade.onnx": stage / "cascade.onnx"})


def sweep_sessions(directory: Path) -> dict[str, tuple[ort.InferenceSession, InputSpec]]:
    out = {}
    for size in (64, 96, 128):
        torch.manual_seed(0)
        net = CascadeNet(len(LABELS), len(MODALITIES), len(ORIENTATIONS), len(OOD_GROUPS)).eval()
        path = directory / f"sweep{size}.onnx"
        export_cascade(net, path, size)
        sess = ort.InferenceSession(str(path), _session_options(1), providers=["CPUExecutionProvider"])
        out[f"CascadeNet {size} px (session.run)"] = (sess, InputSpec(size=size, channels=3, **IMAGENET))
    for size in (96, 128, 160):
        path = directory / f"lite0_{size}.onnx"
        export_cascade(PretrainedCascadeNet(256).eval(), path, size)
        sess = ort.InferenceSession(str(path), _session_options(1), providers=["CPUExecutionProvider"])
        out[f"Lite0 cascade {size} px (session.run)"] = (sess, InputSpec(size=size, channels=3, **IMAGENET))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    settings = get_settings()
    parser.add_argument("--bundle", type=Path, default=settings.bundles_dir / "cismigiu")
    parser.add_argument("--image", type=Path, default=settings.bundles_dir / "samples" / "brain_lesion.png")
    parser.add_argument("--iters", type=int, default=200)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"load average at start: {load_average()}; cpus {os.cpu_count()}; "
          f"onnxruntime {ort.__version__}; python {platform.python_version()}")  # fmt: skip
    image = Image.open(args.image)
    image.load()
    with tempfile.TemporaryDirectory() as tmp:
        new, old = load_bundle(args.bundle), load_bundle(old_bundle(Path(tmp)))
        calls = {
            f"run_cascade, served {new.only('filter').entry.input.size}-px cascade ({args.bundle.name})":
                lambda: run_cascade(new, image),
            "run_cascade, today's 64-px DenseNet-121 cascade": lambda: run_cascade(old, image),
        }  # fmt: skip
        for name, (sess, spec) in sweep_sessions(Path(tmp)).items():
            feed = {"image": to_input(image, spec)[None]}
            calls[name] = lambda s=sess, f=feed: s.run(None, f)
        stats = time_paired(calls, warmup=10, iters=args.iters)
    rows = [[name, s.p50, s.p95, s.mean] for name, s in stats.items()]
    text = table(f"Filter + labeler latency, batch 1, HIP session options (intra_op=1), {args.iters} "
                 "interleaved iterations (ms)", ["call", "p50", "p95", "mean"], rows)  # fmt: skip
    served = next(iter(stats.values())).p50
    verdict = "PASS" if served <= TARGET_MS else "MISS"
    print(f"\ntarget: served cascade p50 {served:.1f} ms <= {TARGET_MS:.0f} ms: {verdict}")
    print(f"load average at end: {load_average()}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {"rows": rows, "target_ms": TARGET_MS, "verdict": verdict, "table": text,
                  "load_average_end": load_average()}  # fmt: skip
        args.json.write_text(json.dumps(report, indent=1, default=float) + "\n")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
