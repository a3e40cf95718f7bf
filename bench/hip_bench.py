"""HIP inference benchmark: per-model latency, HTTP latency/throughput, RSS, ORT vs torch, fp32 vs int8.

Run from the repository root (see bench/README.md)::

    .venv/bin/python bench/hip_bench.py                 # full run, about 5-10 minutes on 2 cores
    .venv/bin/python bench/hip_bench.py --quick         # smoke run, about 2 minutes
    .venv/bin/python bench/hip_bench.py --json var/bench/hip_bench.json

Everything runs on the real demo bundle (default ``<bundles_dir>/cismigiu``, which has the cascade,
segmentation and VQA) with the real demo images of ``<bundles_dir>/samples``. ONNX Runtime sessions
are created by the HIP's own loader (:func:`hip_service.bundle_loader.load_bundle`) with the HIP's
default :class:`hip_service.config.HipConfig`, so their session options are the served ones. The
HTTP figures come from ``python -m hip_service`` started as a subprocess on a loopback port and
driven by httpx clients in this process. Baselines are measured in the same run, side by side.

This file is the command line and the report; the measurements are in its sibling modules:
``hip_models`` (in-process), ``hip_http`` (over HTTP), ``hip_samples`` (inputs), ``timing``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import onnxruntime as ort
import torch

REPO = Path(__file__).resolve().parents[1]
# The repository's packages and this script's sibling modules, run as `bench/hip_bench.py` or as
# `-m bench.hip_bench`; tests/ (last, so it shadows nothing) for the shared `utils.net.free_port`.
for _p in (str(REPO / "bench"), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)
if str(REPO / "tests") not in sys.path:
    sys.path.append(str(REPO / "tests"))

from hip_http import HTTP_HEADER, hip_server, http_bench, http_rows  # noqa: E402
from hip_models import eager_vs_ort, model_latency, option_sweep  # noqa: E402
from hip_samples import decoded, sample_bytes  # noqa: E402
from timing import Stats, load_average, table  # noqa: E402

from hip_service.bundle_loader import LoadedBundle, _session_options, load_bundle  # noqa: E402
from hip_service.config import HipConfig  # noqa: E402
from ml.demo_data import DataConfig, generate  # noqa: E402
from ml.onnx_eval import accuracy_delta  # noqa: E402
from ml.quantize import quantize_bundle  # noqa: E402
from qaid.config import get_settings  # noqa: E402

TARGETS = {
    "cascade_p50_ms": 55.0,  # filter + labeler, one backbone pass
    "full_cascade_http_p50_ms": 200.0,  # upload + analyze at concurrency 1
    "ort_over_eager": 1.8,  # cascade ORT speedup over torch eager
    "peak_rss_mb": 400.0,  # HIP process, all models loaded, after the HTTP load
}


@dataclass
class Run:
    """One benchmark run: its options, iteration counts, and the report and tables it collects."""

    args: argparse.Namespace
    hip_cfg: HipConfig
    workdir: Path
    report: dict[str, Any] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        q = self.quick = bool(self.args.quick)
        self.warmup, self.iters = (3, 15) if q else (10, 100)
        self.eager_iters = 10 if q else 50
        self.levels = [1, 4, 16]
        self.per_client = {1: 8, 4: 4, 16: 2} if q else {1: 60, 4: 30, 16: 10}
        self.per_sample = 4 if q else 30
        self.scale = self.args.data_scale or (0.06 if q else 0.3)
        self.report.update({"targets": TARGETS, "quick": q})

    @property
    def int8_dir(self) -> Path:
        return self.workdir / f"{self.args.bundle.name}-int8"

    def table(self, title: str, header: list[str], rows: list[list[Any]]) -> None:
        self.texts.append(table(title, header, rows))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    settings = get_settings()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", type=Path, default=settings.bundles_dir / "cismigiu")
    p.add_argument("--samples", type=Path, default=settings.bundles_dir / "samples")
    p.add_argument("--quick", action="store_true", help="few iterations: a smoke run, not a measurement")
    p.add_argument("--json", type=Path, help="write every figure to this JSON file")
    p.add_argument(
        "--data-scale",
        type=float,
        default=None,
        help="fraction of the demo data set for calibration/evaluation (default 0.3, quick 0.06)",
    )
    p.add_argument("--skip-http", action="store_true")
    p.add_argument("--skip-int8", action="store_true")
    p.add_argument("--sweep", action="store_true", help="also sweep ORT session options on the cascade")
    return p.parse_args(argv)


def environment(run: Run) -> None:
    args, hip_cfg = run.args, run.hip_cfg
    opts = _session_options(hip_cfg.intra_op_threads)
    warmup, iters = run.warmup, run.iters
    env_rows = [
        ["started", time.strftime("%Y-%m-%d %H:%M:%S")],
        ["load average (1/5/15 min) at start", load_average()],
        ["cpus (os.cpu_count)", os.cpu_count()],
        ["cpu", platform.processor() or platform.machine()],
        ["python / onnxruntime / torch",
         f"{platform.python_version()} / {ort.__version__} / {torch.__version__}"],
        ["bundle", str(args.bundle)],
        ["HIP session options",
         f"intra_op={opts.intra_op_num_threads} inter_op={opts.inter_op_num_threads} "
         f"mode={opts.execution_mode.name} opt_level={opts.graph_optimization_level.name}"],
        ["HIP workers / queue", f"max_concurrency={hip_cfg.max_concurrency} max_queue={hip_cfg.max_queue}"],
        ["iterations", f"warmup {warmup}, timed {iters} (eager {run.eager_iters}); data scale {run.scale}"],
    ]  # fmt: skip
    run.table("Environment", ["what", "value"], env_rows)
    run.report["environment"] = {r[0]: r[1] for r in env_rows}


def int8_bundle(run: Run, bundle: LoadedBundle) -> LoadedBundle:
    """Static int8: quantize, check the HIP accepts it (load_bundle), accuracy on held-out images."""
    args, int8_dir = run.args, run.int8_dir
    t0 = time.perf_counter()
    data = generate(DataConfig().scaled(run.scale), seed=0)  # same seed as the bundle: val/test held out
    t_data = time.perf_counter() - t0
    t0 = time.perf_counter()
    quantize_bundle(args.bundle, int8_dir, data["val"], n_calibration=32 if run.quick else 96)
    t_quant = time.perf_counter() - t0
    int8 = load_bundle(int8_dir, intra_op_threads=run.hip_cfg.intra_op_threads)  # HIP-valid
    delta = accuracy_delta(args.bundle, int8_dir, data["test"])
    sizes = {
        f: ((args.bundle / f).stat().st_size / 1e6, (int8_dir / f).stat().st_size / 1e6)
        for f in sorted({m.entry.file for m in bundle.models.values()})
    }
    run.table(
        f"Accuracy fp32 vs static int8 (held-out demo test split, {len(data['test'].images)} images; "
        f"calibrated on the val split; data {t_data:.0f} s, quantization {t_quant:.0f} s)",
        ["metric", "fp32", "int8", "int8 - fp32"],
        [[k, f"{a:.4f}", f"{b:.4f}", f"{d:+.4f}"] for k, (a, b, d) in delta.items()],
    )
    run.table("Model file size (MB)", ["file", "fp32", "int8", "int8/fp32"],
              [[f, a, b, b / a] for f, (a, b) in sizes.items()])  # fmt: skip
    run.report["accuracy_fp32_vs_int8"] = {k: list(v) for k, v in delta.items()}
    run.report["file_mb"] = sizes
    return int8


def latency_table(run: Run, lat: dict[str, dict[str, Stats]]) -> None:
    fp32, int8_lat = lat["fp32"], lat.get("int8", {})
    run.report["model_latency"] = {v: {k: s.__dict__ for k, s in d.items()} for v, d in lat.items()}
    rows = []
    for k, s in fp32.items():
        row: list[Any] = [k, s.p50, s.p95]
        if k in int8_lat:
            i = int8_lat[k]
            row += [i.p50, i.p95, s.p50 / i.p50]
        else:
            row += [float("nan")] * 3
        rows.append(row)
    run.table(
        f"Per-model latency in-process (HIP sessions, intra_op={run.hip_cfg.intra_op_threads}, batch 1, "
        "fp32/int8 interleaved, brain_lesion.png unless named; ms)",
        ["model", "fp32 p50", "fp32 p95", "int8 p50", "int8 p95", "int8 speedup"], rows,
    )  # fmt: skip


def http(run: Run, samples: dict[str, bytes]) -> None:
    """The HIP over HTTP, fp32 and (unless skipped) int8, each in its own ``python -m hip_service``."""
    args, q = run.args, run.quick
    results_by: dict[str, dict] = {}
    variants = [("fp32", args.bundle)] + ([] if args.skip_int8 else [("int8", run.int8_dir)])
    for name, directory in variants:
        with hip_server(directory, run.workdir) as server:
            idle = server.rss_mb()
            results = http_bench(server, samples, run.levels, run.per_client, run.per_sample, 2 if q else 5)
            peak = server.peak_mb()
            load = load_average()
        results_by[name] = {"idle_rss_mb": idle, "peak_rss_mb": peak, "load_average_end": load,
                            "results": [r.__dict__ for r in results]}  # fmt: skip
        run.table(
            f"HIP over HTTP, {name} bundle (upload + analyze per request, httpx on loopback; ms)",
            HTTP_HEADER, http_rows(results),
        )  # fmt: skip
        print(f"HIP process RSS ({name}): {idle:.0f} MB after loading, peak {peak:.0f} MB "
              f"(VmHWM); load average at end {load}", flush=True)  # fmt: skip
    run.report["http"] = results_by


def targets(run: Run, fp32: dict[str, Stats]) -> None:
    report = run.report
    casc = fp32["cascade (filter+labeler)"].p50
    eager_key = f"cascade@{run.hip_cfg.intra_op_threads}"
    speed = (
        report["eager_vs_ort"][eager_key]["eager"]["p50"] / report["eager_vs_ort"][eager_key]["ort"]["p50"]
    )
    rows = [["cascade p50 (ms, fp32)", casc, f"<= {TARGETS['cascade_p50_ms']:.0f}",
             "PASS" if casc <= TARGETS["cascade_p50_ms"] else "MISS"],
            ["ORT / eager speedup, cascade", speed, f">= {TARGETS['ort_over_eager']}",
             "PASS" if speed >= TARGETS["ort_over_eager"] else "MISS"]]  # fmt: skip
    if "fp32" in report.get("http", {}):
        h = report["http"]["fp32"]
        lesion = next(r for r in h["results"] if r["workload"] == "brain_lesion.png")
        full = Stats.of(lesion["total_ms"]).p50
        rows += [["full cascade HTTP p50 (ms, brain_lesion, c=1)", full,
                  f"<= {TARGETS['full_cascade_http_p50_ms']:.0f}",
                  "PASS" if full <= TARGETS["full_cascade_http_p50_ms"] else "MISS"],
                 ["HIP peak RSS (MB, fp32)", h["peak_rss_mb"], f"<= {TARGETS['peak_rss_mb']:.0f}",
                  "PASS" if h["peak_rss_mb"] <= TARGETS["peak_rss_mb"] else "MISS"]]  # fmt: skip
    if "int8" in report.get("http", {}):
        rows.append(["HIP peak RSS (MB, int8)", report["http"]["int8"]["peak_rss_mb"], "", ""])
    run.table("Targets (2 shared cores)", ["figure", "measured", "target", ""], rows)
    report["targets_measured"] = rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    hip_cfg = HipConfig(bundle_dir=args.bundle, token="x")
    threads = sorted({hip_cfg.intra_op_threads, 2})
    run = Run(args, hip_cfg, Path(tempfile.mkdtemp(prefix="hip_bench_")))
    try:
        environment(run)
        samples = sample_bytes(args.samples)
        images = {k: decoded(v) for k, v in samples.items()}
        bundle = load_bundle(args.bundle, intra_op_threads=hip_cfg.intra_op_threads)

        # 1. torch eager vs ORT on the same (fresh) weights
        rows, raw = eager_vs_ort(bundle, images["brain_lesion.png"], threads, 3, run.eager_iters, run.workdir)
        run.table(
            "ONNX Runtime vs torch eager (same fresh weights, batch 1, interleaved, ms; "
            "latency only, see README)",
            ["model", "threads", "eager p50", "eager p95", "ORT p50", "ORT p95", "ORT speedup", "same arch"],
            rows,
        )  # fmt: skip
        run.report["eager_vs_ort"] = raw

        # 2. static int8
        bundles = {"fp32": bundle}
        if not args.skip_int8:
            bundles["int8"] = int8_bundle(run, bundle)

        # 3. per-model latency, HIP sessions, fp32 and int8 interleaved
        lat = model_latency(bundles, images, run.warmup, run.iters)
        latency_table(run, lat)
        if args.sweep:
            sweep = option_sweep(bundle, images["brain_lesion.png"], run.warmup, run.iters)
            run.table("Cascade under ORT session options (fp32, ms)",
                      ["intra_op", "graph opt", "spinning", "p50", "p95"], sweep)  # fmt: skip
            run.report["option_sweep"] = sweep

        # 4. HTTP through the real service
        if not args.skip_http:
            http(run, samples)
    finally:
        shutil.rmtree(run.workdir, ignore_errors=True)

    # 5. targets
    targets(run, lat["fp32"])
    report = run.report
    report["load_average_end"] = load_average()
    print(f"\nload average (1/5/15 min) at end: {report['load_average_end']}")
    if run.quick:
        print("(--quick: few iterations, a smoke run; not a measurement)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({**report, "tables": run.texts}, indent=2, default=str))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
