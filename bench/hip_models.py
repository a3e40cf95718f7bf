"""The HIP's models in-process: per-model latency, torch eager vs ONNX Runtime, ORT session options.

Sessions are the HIP's own (:func:`hip_service.bundle_loader.load_bundle`); every comparison is
timed interleaved (:func:`timing.time_paired`) so a drifting background load hits all variants alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import onnx
import onnxruntime as ort
import torch
from hip_samples import image_feed
from PIL import Image
from timing import Stats, time_paired

from hip_service import analysis
from hip_service.bundle_loader import LoadedBundle, _session_options
from hip_service.config import HipConfig
from hip_service.image_store import StoredImage
from hip_service.inference import run_cascade
from ml.demo_data import MAX_QUESTION_LEN
from ml.export import export_cascade, export_segmentation, export_vqa
from ml.models import Cascade, CascadeNet, UNet, VQANet
from ml.train import TrainConfig
from qaid.bundle import BODY_PARTS, MODALITIES, ORIENTATIONS, ModelEntry

__all__ = ["architecture", "eager_vs_ort", "fresh_models", "model_calls", "model_latency", "option_sweep"]


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
