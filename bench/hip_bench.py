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
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import onnx
import onnxruntime as ort
import torch
from PIL import Image

try:
    import psutil
except ImportError:  # not in pyproject.toml yet
    raise SystemExit("hip_bench needs psutil: .venv/bin/pip install psutil==7.2.2") from None

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(REPO))

from hip_service import analysis  # noqa: E402
from hip_service.bundle_loader import LoadedBundle, _session_options, load_bundle  # noqa: E402
from hip_service.config import HipConfig  # noqa: E402
from hip_service.image_store import StoredImage  # noqa: E402
from hip_service.inference import run_cascade  # noqa: E402
from ml.demo_data import MAX_QUESTION_LEN, DataConfig, generate  # noqa: E402
from ml.export import export_cascade, export_segmentation, export_vqa  # noqa: E402
from ml.models import Cascade, CascadeNet, UNet, VQANet  # noqa: E402
from ml.quantize import accuracy_delta, quantize_bundle  # noqa: E402
from ml.train import TrainConfig  # noqa: E402
from qaid.bundle import BODY_PARTS, MODALITIES, ORIENTATIONS, ModelEntry, tokenize_question  # noqa: E402
from qaid.config import get_settings  # noqa: E402
from qaid.imaging import decode_image, to_input  # noqa: E402

TARGETS = {
    "cascade_p50_ms": 55.0,  # filter + labeler, one backbone pass
    "full_cascade_http_p50_ms": 200.0,  # upload + analyze at concurrency 1
    "ort_over_eager": 1.8,  # cascade ORT speedup over torch eager
    "peak_rss_mb": 400.0,  # HIP process, all models loaded, after the HTTP load
}
SAMPLES = ("brain_lesion.png", "brain_normal.png", "chest_xray.png", "not_medical.png")


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Stats:
    n: int
    p50: float
    p95: float
    mean: float

    @classmethod
    def of(cls, ms: list[float]) -> Stats:
        a = np.asarray(ms, dtype=np.float64)
        if a.size == 0:
            return cls(0, float("nan"), float("nan"), float("nan"))
        return cls(int(a.size), float(np.percentile(a, 50)), float(np.percentile(a, 95)), float(a.mean()))


def time_paired(
    fns: dict[str, Callable[[], object]], warmup: int, iters: int, block: int = 1
) -> dict[str, Stats]:
    """Time several functions round-robin, in blocks of ``block`` calls, rotating the order each round.

    Under a shared, drifting CPU load, interleaving makes their ratios fair: every variant sees the
    same load, instead of one block of runs seeing a quiet minute and the next a busy one. Variants
    with thread pools need ``block`` > 1: pool threads spin for a while after a run and would steal
    the cores from the next variant, so each block starts with one untimed call.
    """
    names = list(fns)
    for _ in range(warmup):
        for n in names:
            fns[n]()
    ms: dict[str, list[float]] = {n: [] for n in names}
    rounds = -(-iters // block)
    for r in range(rounds):
        k = r % len(names)
        for n in names[k:] + names[:k]:
            if block > 1:
                fns[n]()
            for _ in range(min(block, iters - r * block)):
                t0 = time.perf_counter()
                fns[n]()
                ms[n].append((time.perf_counter() - t0) * 1000.0)
    return {n: Stats.of(v) for n, v in ms.items()}


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "nan" if v != v else (f"{v:.2f}" if abs(v) < 100 else f"{v:.1f}")
        return str(v)

    body = [[cell(v) for v in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [f"\n## {title}", line, "  ".join("-" * w for w in widths)]

    def is_num(v: Any) -> bool:
        try:
            float(v)
        except (TypeError, ValueError):
            return False
        return True

    numeric = [all(is_num(r[i]) for r in rows) for i in range(len(header))]
    for r in body:
        cells = zip(r, widths, numeric, strict=True)
        out.append("  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in cells))
    text = "\n".join(out)
    print(text, flush=True)
    return text


# --- inputs -----------------------------------------------------------------------------------------


def sample_bytes(samples_dir: Path) -> dict[str, bytes]:
    missing = [s for s in SAMPLES if not (samples_dir / s).is_file()]
    if missing:
        raise SystemExit(
            f"hip_bench: demo images {missing} missing in {samples_dir}; run python -m ml.build_bundles"
        )
    return {s: (samples_dir / s).read_bytes() for s in SAMPLES}


def decoded(data: bytes) -> Image.Image:
    return decode_image(data, max_bytes=20 << 20, max_pixels=40_000_000)


def image_feed(entry: ModelEntry, image: Image.Image) -> dict[str, np.ndarray]:
    feed = {entry.inputs["image"]: to_input(image, entry.input)[None]}
    if entry.task == "vqa":
        ids = tokenize_question(analysis.ABNORMAL_QUESTION, entry.question_vocab, entry.max_question_len)
        feed[entry.inputs["question"]] = np.asarray([ids], dtype=np.int64)
    return feed


# --- in-process model latency -------------------------------------------------------------------------


def model_calls(bundle: LoadedBundle, images: dict[str, Image.Image]) -> dict[str, Callable[[], object]]:
    """session.run per ONNX file (batch 1, real image), plus the HIP's in-process pipeline."""
    brain = images["brain_lesion.png"]
    out: dict[str, Callable[[], object]] = {}
    seen: set[int] = set()
    for name, m in bundle.models.items():
        if id(m.session) in seen:
            continue
        seen.add(id(m.session))
        key = "cascade (filter+labeler)" if m.entry.task in ("filter", "labeler") else name
        feed = image_feed(m.entry, brain)
        out[key] = lambda s=m.session, f=feed: s.run(None, f)
    cfg = HipConfig(bundle_dir=bundle.directory, token="x")
    out["run_cascade (to_input + run + softmax)"] = lambda: run_cascade(bundle, brain)

    def analyze(img: Image.Image) -> Callable[[], object]:
        def go() -> object:
            stored = StoredImage(img, "", "png", 0, time.monotonic())  # fresh: no memoised cascade
            return analysis.analyze(bundle, "bench", stored, cfg, lambda *_: None)

        return go

    out["analyze brain_lesion (cascade + segmentation)"] = analyze(brain)
    out["analyze chest_xray (cascade + VQA x1-2)"] = analyze(images["chest_xray.png"])
    return out


def model_latency(
    bundles: dict[str, LoadedBundle], images: dict[str, Image.Image], warmup: int, iters: int
) -> dict[str, dict[str, Stats]]:
    """variant -> call -> Stats, every (variant, call) interleaved with all the others."""
    calls = {(v, k): fn for v, b in bundles.items() for k, fn in model_calls(b, images).items()}
    flat = {f"{v}|{k}": fn for (v, k), fn in calls.items()}
    stats = time_paired(flat, warmup, iters)
    out: dict[str, dict[str, Stats]] = {v: {} for v in bundles}
    for v, k in calls:
        out[v][k] = stats[f"{v}|{k}"]
    return out


# --- torch eager vs ONNX Runtime -----------------------------------------------------------------------


def architecture(path: Path) -> tuple[dict[str, int], list[tuple[str, tuple[int, ...]]]]:
    """(op histogram, sorted (op, weight shape) of every initializer use): equal for equal networks.

    Identity nodes are ignored and resolved: the exporter's constant folding deduplicates
    initializers with equal values (a fresh model's BatchNorm parameters) behind Identity nodes.
    """
    graph = onnx.load(str(path)).graph
    dims = {i.name: tuple(int(d) for d in i.dims) for i in graph.initializer}
    alias = {n.output[0]: n.input[0] for n in graph.node if n.op_type == "Identity"}
    hist: dict[str, int] = {}
    uses: list[tuple[str, tuple[int, ...]]] = []
    for n in graph.node:
        if n.op_type == "Identity":
            continue
        hist[n.op_type] = hist.get(n.op_type, 0) + 1
        for name in n.input:
            name = alias.get(name, name)
            if name in dims:
                uses.append((n.op_type, dims[name]))
    return hist, sorted(uses)


def fresh_models(bundle: LoadedBundle) -> dict[str, tuple[torch.nn.Module, ModelEntry]]:
    """Torch models of the bundle's architectures (ml.train.TrainConfig), freshly initialised.

    ml.build_bundles keeps no torch checkpoint (only the exported ONNX, whose BatchNorms are folded
    by the exporter), so the trained weights cannot be loaded back into torch: the eager/ORT
    comparison is latency only, on the same fresh weights exported with ml.export.
    """
    cfg = TrainConfig()
    torch.manual_seed(0)
    lab = bundle.only("labeler").entry
    cascade: torch.nn.Module = (  # the 128-px CascadeNet publishes an OOD output; the old DenseNet does not
        CascadeNet(len(lab.labels), len(MODALITIES), len(ORIENTATIONS), len(lab.ood_groups))
        if lab.ood_groups
        else Cascade(len(BODY_PARTS), cfg.cascade_blocks)
    )
    out: dict[str, tuple[torch.nn.Module, ModelEntry]] = {"cascade": (cascade.eval(), lab)}
    for name, m in bundle.models.items():
        if m.entry.task == "segmentation":
            out[name] = (UNet(3, 1, cfg.seg_features).eval(), m.entry)
        elif m.entry.task == "vqa":
            out[name] = (
                VQANet(len(m.entry.question_vocab), len(m.entry.answers), cfg.vqa_width).eval(),
                m.entry,
            )
    return out


def eager_vs_ort(
    bundle: LoadedBundle, image: Image.Image, threads: list[int], warmup: int, iters: int, tmp: Path
) -> tuple[list[list[Any]], dict]:
    rows: list[list[Any]] = []
    raw: dict = {}
    models = fresh_models(bundle)
    prev_threads = torch.get_num_threads()
    for name, (model, entry) in models.items():
        path = tmp / f"fresh_{name}.onnx"
        size = entry.input.size
        if name == "cascade":
            export_cascade(model, path, size)
        elif entry.task == "segmentation":
            export_segmentation(model, path, size)
        else:
            export_vqa(model, path, size, entry.max_question_len or MAX_QUESTION_LEN)
        bundled = bundle.directory / entry.file
        same_arch = architecture(path) == architecture(bundled)
        feed = image_feed(entry, image)
        tensors = [torch.from_numpy(v) for v in feed.values()]
        for t in threads:
            sess = ort.InferenceSession(
                str(path), sess_options=_session_options(t), providers=["CPUExecutionProvider"]
            )
            torch.set_num_threads(t)

            def eager(m: torch.nn.Module = model, x: list[torch.Tensor] = tensors) -> object:
                with torch.inference_mode():
                    return m(*x)

            pair = {"eager": eager, "ort": lambda s=sess, f=feed: s.run(None, f)}
            paired = time_paired(pair, warmup, iters, block=1 if t == 1 else 10)
            e, o = paired["eager"], paired["ort"]
            rows.append([name, t, e.p50, e.p95, o.p50, o.p95, e.p50 / o.p50, "yes" if same_arch else "NO"])
            raw[f"{name}@{t}"] = {"eager": e.__dict__, "ort": o.__dict__, "same_architecture": same_arch}
    torch.set_num_threads(prev_threads)
    return rows, raw


# --- session option sweep (profiling) ---------------------------------------------------------------


def option_sweep(bundle: LoadedBundle, image: Image.Image, warmup: int, iters: int) -> list[list[Any]]:
    """The cascade under a few ORT session options (interleaved), to see which knob moves its latency."""
    entry = bundle.only("labeler").entry
    path = bundle.directory / entry.file
    feed = image_feed(entry, image)
    levels = {
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }
    calls: dict[str, Callable[[], object]] = {}
    for threads in (1, 2):
        for level_name, level in levels.items():
            for spin in ("on", "off"):
                opts = _session_options(threads)
                opts.graph_optimization_level = level
                opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin == "on" else "0")
                sess = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
                calls[f"{threads}|{level_name}|{spin}"] = lambda s=sess: s.run(None, feed)
    stats = time_paired(calls, warmup, iters, block=10)
    return [[*k.split("|"), v.p50, v.p95] for k, v in stats.items()]


# --- the HIP over HTTP ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _vm_hwm_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    token: str
    log: Path
    peak_sampled_mb: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def rss_mb(self) -> float:
        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def peak_mb(self) -> float:
        """Peak RSS: the kernel's high-water mark (VmHWM), or the sampled peak where unavailable."""
        hwm = _vm_hwm_mb(self.proc.pid)
        return hwm if hwm == hwm else self.peak_sampled_mb

    def _sample(self) -> None:
        p = psutil.Process(self.proc.pid)
        while not self._stop.wait(0.05):
            with contextlib.suppress(psutil.Error):
                self.peak_sampled_mb = max(self.peak_sampled_mb, p.memory_info().rss / 2**20)


@contextlib.contextmanager
def hip_server(bundle_dir: Path, workdir: Path) -> Iterator[Server]:
    """``python -m hip_service`` on a free loopback port, ready (bundle loaded) when yielded."""
    port, token = free_port(), secrets.token_urlsafe(16)
    env = {**os.environ, "QAID_HIP_TOKEN": token, "PYTHONUNBUFFERED": "1"}
    log = workdir / f"hip_{bundle_dir.name}_{port}.log"
    cmd = [sys.executable, "-m", "hip_service", "--bundle", str(bundle_dir), "--port", str(port),
           "--host", "127.0.0.1"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(proc, f"http://127.0.0.1:{port}", token, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the HIP exited with {proc.returncode}: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.url}/ready", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the HIP did not become ready in 120 s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        sampler = threading.Thread(target=server._sample, daemon=True)
        sampler.start()
        yield server
    finally:
        server._stop.set()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class HttpResult:
    concurrency: int
    workload: str
    ok: int = 0
    shed: int = 0  # 503 overloaded (the HIP's admission control), not retried
    errors: int = 0
    wall_s: float = 0.0
    upload_ms: list[float] = field(default_factory=list)
    analyze_ms: list[float] = field(default_factory=list)
    total_ms: list[float] = field(default_factory=list)


async def _drive(
    server: Server, images: list[bytes], concurrency: int, per_client: int, label: str
) -> HttpResult:
    res = HttpResult(concurrency, label)
    headers = {"Authorization": f"Bearer {server.token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=server.url, headers=headers, limits=limits, timeout=60) as client:

        async def one_client(c: int) -> None:
            for k in range(per_client):
                data = images[(c + k) % len(images)]
                t0 = time.perf_counter()
                r = await client.post("/v1/images", content=data)
                t1 = time.perf_counter()
                if r.status_code == 503:
                    res.shed += 1
                    continue
                if r.status_code != 201:
                    res.errors += 1
                    continue
                r2 = await client.post(f"/v1/images/{r.json()['image_id']}/analyze")
                t2 = time.perf_counter()
                if r2.status_code == 503:
                    res.shed += 1
                    continue
                if r2.status_code != 200:
                    res.errors += 1
                    continue
                res.ok += 1
                res.upload_ms.append((t1 - t0) * 1000)
                res.analyze_ms.append((t2 - t1) * 1000)
                res.total_ms.append((t2 - t0) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(one_client(c) for c in range(concurrency)))
        res.wall_s = time.perf_counter() - start
    return res


def http_bench(server: Server, samples: dict[str, bytes], levels: list[int], per_client: dict[int, int],
               per_sample: int, warmup: int) -> list[HttpResult]:  # fmt: skip
    mix = [samples[s] for s in SAMPLES]
    asyncio.run(_drive(server, mix, 1, warmup, "warmup"))
    results = []
    for name in SAMPLES:  # concurrency 1, one image kind at a time
        results.append(asyncio.run(_drive(server, [samples[name]], 1, per_sample, name)))
    for c in levels:
        results.append(asyncio.run(_drive(server, mix, c, per_client[c], "mix of 4 samples")))
    return results


def http_rows(results: list[HttpResult]) -> list[list[Any]]:
    rows = []
    for r in results:
        t, u, a = Stats.of(r.total_ms), Stats.of(r.upload_ms), Stats.of(r.analyze_ms)
        rps = r.ok / r.wall_s if r.wall_s else float("nan")
        rows.append([r.workload, r.concurrency, r.ok, r.shed, r.errors, u.p50, a.p50, t.p50, t.p95, rps])
    return rows


HTTP_HEADER = ["workload", "conc", "ok", "503", "err", "upload p50", "analyze p50", "total p50", "total p95",
               "req/s"]  # fmt: skip


# --- main -----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
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
    args = p.parse_args(argv)  # fmt: skip

    q = args.quick
    warmup, iters = (3, 15) if q else (10, 100)
    eager_iters = 10 if q else 50
    levels = [1, 4, 16]
    per_client = {1: 8, 4: 4, 16: 2} if q else {1: 60, 4: 30, 16: 10}
    per_sample = 4 if q else 30
    scale = args.data_scale or (0.06 if q else 0.3)
    hip_cfg = HipConfig(bundle_dir=args.bundle, token="x")
    threads = sorted({hip_cfg.intra_op_threads, 2})
    report: dict[str, Any] = {"targets": TARGETS, "quick": q}
    texts: list[str] = []
    opts = _session_options(hip_cfg.intra_op_threads)

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
        ["iterations", f"warmup {warmup}, timed {iters} (eager {eager_iters}); data scale {scale}"],
    ]  # fmt: skip
    texts.append(table("Environment", ["what", "value"], env_rows))
    report["environment"] = {r[0]: r[1] for r in env_rows}

    samples = sample_bytes(args.samples)
    images = {k: decoded(v) for k, v in samples.items()}
    bundle = load_bundle(args.bundle, intra_op_threads=hip_cfg.intra_op_threads)

    workdir = Path(tempfile.mkdtemp(prefix="hip_bench_"))
    try:
        # 1. torch eager vs ORT on the same (fresh) weights
        rows, raw = eager_vs_ort(bundle, images["brain_lesion.png"], threads, 3, eager_iters, workdir)
        texts.append(table(
            "ONNX Runtime vs torch eager (same fresh weights, batch 1, interleaved, ms; "
            "latency only, see README)",
            ["model", "threads", "eager p50", "eager p95", "ORT p50", "ORT p95", "ORT speedup", "same arch"],
            rows,
        ))  # fmt: skip
        report["eager_vs_ort"] = raw

        # 2. static int8: quantize, check the HIP accepts it, accuracy on held-out images
        bundles = {"fp32": bundle}
        int8_dir = workdir / f"{args.bundle.name}-int8"
        if not args.skip_int8:
            t0 = time.perf_counter()
            data = generate(DataConfig().scaled(scale), seed=0)  # same seed as the bundle: val/test held out
            t_data = time.perf_counter() - t0
            t0 = time.perf_counter()
            quantize_bundle(args.bundle, int8_dir, data["val"], n_calibration=32 if q else 96)
            t_quant = time.perf_counter() - t0
            bundles["int8"] = load_bundle(int8_dir, intra_op_threads=hip_cfg.intra_op_threads)  # HIP-valid
            delta = accuracy_delta(args.bundle, int8_dir, data["test"])
            sizes = {
                f: ((args.bundle / f).stat().st_size / 1e6, (int8_dir / f).stat().st_size / 1e6)
                for f in sorted({m.entry.file for m in bundle.models.values()})
            }
            texts.append(table(
                f"Accuracy fp32 vs static int8 (held-out demo test split, {len(data['test'].images)} images; "
                f"calibrated on the val split; data {t_data:.0f} s, quantization {t_quant:.0f} s)",
                ["metric", "fp32", "int8", "int8 - fp32"],
                [[k, f"{a:.4f}", f"{b:.4f}", f"{d:+.4f}"] for k, (a, b, d) in delta.items()],
            ))  # fmt: skip
            texts.append(table("Model file size (MB)", ["file", "fp32", "int8", "int8/fp32"],
                               [[f, a, b, b / a] for f, (a, b) in sizes.items()]))  # fmt: skip
            report["accuracy_fp32_vs_int8"] = {k: list(v) for k, v in delta.items()}
            report["file_mb"] = sizes

        # 3. per-model latency, HIP sessions, fp32 and int8 interleaved
        lat = model_latency(bundles, images, warmup, iters)
        fp32, int8_lat = lat["fp32"], lat.get("int8", {})
        report["model_latency"] = {v: {k: s.__dict__ for k, s in d.items()} for v, d in lat.items()}
        rows = []
        for k, s in fp32.items():
            row: list[Any] = [k, s.p50, s.p95]
            if k in int8_lat:
                i = int8_lat[k]
                row += [i.p50, i.p95, s.p50 / i.p50]
            else:
                row += [float("nan")] * 3
            rows.append(row)
        texts.append(table(
            f"Per-model latency in-process (HIP sessions, intra_op={hip_cfg.intra_op_threads}, batch 1, "
            "fp32/int8 interleaved, brain_lesion.png unless named; ms)",
            ["model", "fp32 p50", "fp32 p95", "int8 p50", "int8 p95", "int8 speedup"], rows,
        ))  # fmt: skip

        if args.sweep:
            sweep = option_sweep(bundle, images["brain_lesion.png"], warmup, iters)
            texts.append(table("Cascade under ORT session options (fp32, ms)",
                               ["intra_op", "graph opt", "spinning", "p50", "p95"], sweep))  # fmt: skip
            report["option_sweep"] = sweep

        # 4. HTTP through the real service
        http: dict[str, dict] = {}
        if not args.skip_http:
            variants = [("fp32", args.bundle)] + ([] if args.skip_int8 else [("int8", int8_dir)])
            for name, directory in variants:
                with hip_server(directory, workdir) as server:
                    idle = server.rss_mb()
                    results = http_bench(server, samples, levels, per_client, per_sample, 2 if q else 5)
                    peak = server.peak_mb()
                    load = load_average()
                http[name] = {"idle_rss_mb": idle, "peak_rss_mb": peak, "load_average_end": load,
                              "results": [r.__dict__ for r in results]}  # fmt: skip
                texts.append(table(
                    f"HIP over HTTP, {name} bundle (upload + analyze per request, httpx on loopback; ms)",
                    HTTP_HEADER, http_rows(results),
                ))  # fmt: skip
                print(f"HIP process RSS ({name}): {idle:.0f} MB after loading, peak {peak:.0f} MB "
                      f"(VmHWM); load average at end {load}", flush=True)  # fmt: skip
            report["http"] = http
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    # 5. targets
    casc = fp32["cascade (filter+labeler)"].p50
    eager_key = f"cascade@{hip_cfg.intra_op_threads}"
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
    texts.append(table("Targets (2 shared cores)", ["figure", "measured", "target", ""], rows))
    report["targets_measured"] = rows
    report["load_average_end"] = load_average()
    print(f"\nload average (1/5/15 min) at end: {report['load_average_end']}")
    if q:
        print("(--quick: few iterations, a smoke run; not a measurement)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({**report, "tables": texts}, indent=2, default=str))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
