"""Static int8 quantization of the bundle's ONNX models, calibrated on real demo images.

:func:`quantize_static_model` is the one entry point other code calls: ONNX Runtime's recommended
pre-processing (``quant_pre_process``: symbolic + ONNX shape inference and basic graph
optimisation, which folds BatchNorm into the preceding Conv), then ``quantize_static`` in QDQ
format with per-channel weight scales, uint8 activations and int8 weights (U8S8: the fast path of
ORT's x86 kernels). Calibration batches are plain ``{input name: array}`` feeds; the helpers below
build them from demo images through :mod:`ml.onnx_feeds` (the HIP's own preprocessing).

Head weights that the HIP reads as class-activation-map initializers (``ModelEntry.cam_weight``)
are kept in float: the nodes that consume them are excluded from quantization, so the initializer
keeps its name and values and the bundle loader's CAM check still holds.

:func:`quantize_bundle` writes a whole int8 bundle (new hashes, same manifest contract).
:mod:`ml.onnx_eval` measures fp32 vs int8 on a held-out demo split, and :mod:`ml.int8_gate`
(``python -m ml.build_bundles --int8``) decides per file whether int8 replaces fp32.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quant_pre_process,
    quantize_static,
)
from onnxruntime.quantization.registry import QDQRegistry, QLinearOpsRegistry

from ml.demo_data import VQA_PARTS, Split
from ml.onnx_feeds import Feed, batch_slices, files_of, image_batch, question_ids
from qaid.bundle import Manifest, ModelEntry, read_manifest, sha256_file, write_manifest

__all__ = [
    "DEFAULT_OP_TYPES",
    "TASK_OP_TYPES",
    "FeedReader",
    "calibration_feeds",
    "calibration_indices",
    "int8_entry",
    "int8_note",
    "quantize_bundle",
    "quantize_file",
    "quantize_static_model",
    "with_provenance",
]

# ORT's default op set for QDQ minus BatchNormalization: a BN left after pre-processing (DenseNet's
# pre-activation BN, which has no Conv before it to fold into) runs in float between Q/DQ pairs;
# quantizing its per-channel scale/bias buys nothing (no int8 BN kernel) and costs accuracy.
DEFAULT_OP_TYPES: tuple[str, ...] = tuple(
    sorted((set(QDQRegistry) | set(QLinearOpsRegistry)) - {"BatchNormalization"})
)
# Per task in quantize_bundle: the VQA model's fusion/classifier Gemms are a sliver of its compute
# but carry the answer decision; quantizing them cost 1 point of open-answer accuracy on the demo
# test split (0.944 -> 0.933) while keeping them float gives back fp32 accuracy exactly.
TASK_OP_TYPES: dict[str, tuple[str, ...]] = {
    "vqa": tuple(o for o in DEFAULT_OP_TYPES if o not in ("Gemm", "MatMul")),
}


class FeedReader(CalibrationDataReader):
    """A :class:`CalibrationDataReader` over a materialised list of feeds (rewindable)."""

    def __init__(self, feeds: Iterable[Feed]) -> None:
        self._feeds = [dict(f) for f in feeds]
        if not self._feeds:
            raise ValueError("calibration needs at least one feed")
        self._it: Iterator[Feed] = iter(self._feeds)

    def get_next(self) -> Feed | None:
        return next(self._it, None)

    def rewind(self) -> None:
        self._it = iter(self._feeds)

    def __len__(self) -> int:
        return len(self._feeds)


def _consumers_of(model: onnx.ModelProto, initializers: Iterable[str]) -> list[str]:
    wanted = set(initializers)
    names = {i.name for i in model.graph.initializer}
    missing = wanted - names
    if missing:
        raise ValueError(f"no initializer named {sorted(missing)} in the model")
    nodes = [n for n in model.graph.node if wanted.intersection(n.input)]
    unnamed = [n.op_type for n in nodes if not n.name]
    if unnamed:
        raise ValueError(f"nodes consuming {sorted(wanted)} have no name ({unnamed}); cannot exclude them")
    return [n.name for n in nodes]


def quantize_static_model(
    fp32_path: Path,
    out_path: Path,
    calibration: Iterable[Feed],
    *,
    keep_float_initializers: Sequence[str] = (),
    per_channel: bool = True,
    quant_format: QuantFormat = QuantFormat.QDQ,
    activation_type: QuantType = QuantType.QUInt8,
    weight_type: QuantType = QuantType.QInt8,
    calibrate_method: CalibrationMethod = CalibrationMethod.MinMax,
    preprocess: bool = True,
    op_types_to_quantize: Sequence[str] = DEFAULT_OP_TYPES,
) -> Path:
    """Quantize ``fp32_path`` to int8 at ``out_path`` with calibration feeds; returns ``out_path``.

    ``calibration`` yields ``{input name: array}`` batches (any batch size the model's dynamic axis
    accepts) of REAL inputs: the activation ranges come from them. ``keep_float_initializers`` names
    initializers (e.g. the manifest's ``cam_weight`` heads) that must stay float and keep their
    name; the nodes reading them are not quantized. Inputs and outputs keep their names, dtypes and
    shapes, so a quantized file is a drop-in replacement for the fp32 one in a bundle.
    """
    fp32_path, out_path = Path(fp32_path), Path(out_path)
    reader = FeedReader(calibration)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qaid-quant-") as tmp:
        source = fp32_path
        if preprocess:
            source = Path(tmp) / "preprocessed.onnx"
            quant_pre_process(str(fp32_path), str(source), skip_symbolic_shape=False)
        model = onnx.load(str(source))
        exclude = _consumers_of(model, keep_float_initializers) if keep_float_initializers else []
        tmp_out = Path(tmp) / "int8.onnx"
        quantize_static(
            str(source),
            str(tmp_out),
            reader,
            quant_format=quant_format,
            op_types_to_quantize=list(op_types_to_quantize),
            per_channel=per_channel,
            activation_type=activation_type,
            weight_type=weight_type,
            nodes_to_exclude=exclude,
            calibrate_method=calibrate_method,
            extra_options={"ActivationSymmetric": False, "WeightSymmetric": True},
        )
        quantized = onnx.load(str(tmp_out))
        kept = {i.name for i in quantized.graph.initializer}
        lost = [n for n in keep_float_initializers if n not in kept]
        if lost:
            raise RuntimeError(f"quantization dropped the float initializers {lost}")
        onnx.checker.check_model(quantized)
        shutil.move(str(tmp_out), str(out_path))
    return out_path


# --- Calibration feeds from demo images ------------------------------------------------------


def calibration_indices(split: Split, task: str, n: int, seed: int = 0) -> list[int]:
    """``n`` image indices of ``split`` for ``task``, stratified over the classes the model sees."""
    rng = np.random.default_rng(seed)
    if task in ("filter", "labeler", "cascade"):
        classes = sorted(set(split.labels))
        groups = [[i for i, lab in enumerate(split.labels) if lab == c] for c in classes]
    elif task == "segmentation":
        groups = [split.indices(("brain",))]
    elif task == "vqa":
        groups = [split.indices((p,)) for p in VQA_PARTS]
    else:
        raise ValueError(f"unknown task {task!r}")
    per = max(1, -(-n // len(groups)))
    picked = [int(i) for g in groups for i in rng.permutation(g)[:per]]
    return sorted(rng.permutation(picked)[:n].tolist())


def calibration_feeds(
    entry: ModelEntry, split: Split, n: int = 96, batch: int = 8, seed: int = 0
) -> list[Feed]:
    """Calibration batches for ``entry`` from ``n`` real images of ``split`` (plus questions for VQA)."""
    idx = calibration_indices(split, entry.task, n, seed)
    x = image_batch([split.images[i] for i in idx], entry.input)
    feeds: list[Feed] = []
    if entry.task != "vqa":
        return [{entry.inputs["image"]: x[s]} for s in batch_slices(len(x), batch)]
    qa = split.qa(idx)  # canonical phrasing + one paraphrase of every question kind
    rng = np.random.default_rng(seed)
    pos = {i: k for k, i in enumerate(idx)}
    by_image: dict[int, list[str]] = {}
    for i, q, _ in qa:
        by_image.setdefault(i, []).append(q)
    pairs = [(pos[i], str(rng.choice(qs))) for i, qs in by_image.items()]
    vocab = entry.question_vocab
    for s in batch_slices(len(pairs), batch):
        chunk = pairs[s]
        feeds.append(
            {
                entry.inputs["image"]: x[[k for k, _ in chunk]],
                entry.inputs["question"]: question_ids(entry, [q for _, q in chunk], vocab),
            }
        )
    return feeds


def quantize_file(
    fp32_path: Path,
    out_path: Path,
    entries: Sequence[ModelEntry],
    calibration_split: Split,
    n_calibration: int = 96,
    seed: int = 0,
) -> Path:
    """Quantize one bundle file read by ``entries`` (all the manifest entries of that file).

    Calibrated with the first entry's inputs; every ``cam_weight`` of the file stays float, and so
    do the VQA model's Gemm/MatMul layers (see :data:`TASK_OP_TYPES`).
    """
    cams = sorted({e.cam_weight for e in entries if e.cam_weight})
    feeds = calibration_feeds(entries[0], calibration_split, n_calibration, seed=seed)
    ops = TASK_OP_TYPES.get(entries[0].task, DEFAULT_OP_TYPES)
    return quantize_static_model(
        fp32_path, out_path, feeds, keep_float_initializers=cams, op_types_to_quantize=ops
    )


def int8_note(n_calibration: int, source: str = "demo") -> str:
    return f"static int8 (QDQ, per-channel, U8S8), calibrated on {n_calibration} {source} images"


def with_provenance(
    e: ModelEntry, note: str, metrics: dict[str, float] | None = None, **update: str
) -> ModelEntry:
    prov = e.provenance.model_copy(
        update={
            "notes": f"{e.provenance.notes} | {note}".strip(" |"),
            "metrics": {**e.provenance.metrics, **(metrics or {})},
        }
    )
    return e.model_copy(update={**update, "provenance": prov})


def int8_entry(e: ModelEntry, digest: str, note: str, metrics: dict[str, float] | None = None) -> ModelEntry:
    """``e`` pointing at its int8 file: new hash, ``+int8`` version, ``note`` (and metrics) recorded."""
    return with_provenance(e, note, metrics, sha256=digest, version=f"{e.version}+int8")


def quantize_bundle(
    src: Path, dst: Path, calibration_split: Split, n_calibration: int = 96, seed: int = 0
) -> Manifest:
    """Write an int8 copy of bundle ``src`` at ``dst``: every ONNX file quantized, manifest re-hashed.

    Unconditional (no accuracy gate: see :func:`int8_gate_bundle` for that). Files shared by
    several entries (the cascade) are quantized once (:func:`quantize_file`). Versions get a
    ``+int8`` suffix.
    """
    src, dst = Path(src), Path(dst)
    manifest = read_manifest(src)
    dst.mkdir(parents=True, exist_ok=True)
    digests: dict[str, str] = {}
    for file, entries in files_of(manifest).items():
        quantize_file(src / file, dst / file, entries, calibration_split, n_calibration, seed)
        digests[file] = sha256_file(dst / file)
    note = int8_note(n_calibration)
    models = [int8_entry(e, digests[e.file], note) for e in manifest.models]
    out = manifest.model_copy(update={"models": models, "bundle_version": f"{manifest.bundle_version}+int8"})
    write_manifest(dst, out)
    return out
