"""Static int8 quantization of the bundle's ONNX models, calibrated on real demo images.

:func:`quantize_static_model` is the one entry point other code calls: ONNX Runtime's recommended
pre-processing (``quant_pre_process``: symbolic + ONNX shape inference and basic graph
optimisation, which folds BatchNorm into the preceding Conv), then ``quantize_static`` in QDQ
format with per-channel weight scales, uint8 activations and int8 weights (U8S8: the fast path of
ORT's x86 kernels). Calibration batches are plain ``{input name: array}`` feeds; the helpers below
build them from demo images through :func:`qaid.imaging.to_input`, the HIP's own preprocessing.

Head weights that the HIP reads as class-activation-map initializers (``ModelEntry.cam_weight``)
are kept in float: the nodes that consume them are excluded from quantization, so the initializer
keeps its name and values and the bundle loader's CAM check still holds.

:func:`quantize_bundle` writes a whole int8 bundle (new hashes, same manifest contract) and
:func:`evaluate_bundle` / :func:`accuracy_delta` measure fp32 vs int8 on a held-out demo split
(filter accuracy, labeler macro-F1, segmentation Dice, VQA accuracy). :func:`int8_gate_bundle`
(``python -m ml.build_bundles --int8``) decides per file: int8 replaces a file in the bundle only
if none of its metrics drops by more than :data:`MAX_DROP` (1 point), and records why.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quant_pre_process,
    quantize_static,
)
from onnxruntime.quantization.registry import QDQRegistry, QLinearOpsRegistry
from PIL import Image

from ml.demo_data import ANSWERS, MAX_QUESTION_LEN, NON_MEDICAL, VQA_PARTS, Split, encode_questions
from ml.metrics import macro_f1
from qaid.bundle import (
    BODY_PARTS,
    InputSpec,
    Manifest,
    ModelEntry,
    read_manifest,
    sha256_file,
    write_manifest,
)  # fmt: skip
from qaid.imaging import to_input

Feed = dict[str, np.ndarray]

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


# --- Calibration and evaluation feeds from demo images ------------------------------------------


def image_batch(images: Sequence[np.ndarray], spec: InputSpec) -> np.ndarray:
    """uint8 demo images -> [N,C,S,S] float32 through the HIP's ``to_input``."""
    return np.stack([to_input(Image.fromarray(a), spec) for a in images]).astype(np.float32)


def _batched(n: int, batch: int) -> Iterator[slice]:
    for i in range(0, n, batch):
        yield slice(i, min(i + batch, n))


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
        return [{entry.inputs["image"]: x[s]} for s in _batched(len(x), batch)]
    qa = split.qa(idx)  # canonical phrasing + one paraphrase of every question kind
    rng = np.random.default_rng(seed)
    pos = {i: k for k, i in enumerate(idx)}
    by_image: dict[int, list[str]] = {}
    for i, q, _ in qa:
        by_image.setdefault(i, []).append(q)
    pairs = [(pos[i], str(rng.choice(qs))) for i, qs in by_image.items()]
    vocab = entry.question_vocab
    for s in _batched(len(pairs), batch):
        chunk = pairs[s]
        feeds.append(
            {
                entry.inputs["image"]: x[[k for k, _ in chunk]],
                entry.inputs["question"]: _encode(entry, [q for _, q in chunk], vocab),
            }
        )
    return feeds


def _encode(entry: ModelEntry, questions: list[str], vocab: list[str]) -> np.ndarray:
    if entry.max_question_len == MAX_QUESTION_LEN:
        return encode_questions(questions, vocab)
    from qaid.bundle import tokenize_question

    return np.asarray([tokenize_question(q, vocab, entry.max_question_len) for q in questions], np.int64)


def files_of(manifest: Manifest) -> dict[str, list[ModelEntry]]:
    """File name -> the manifest entries that read it, in manifest order (the cascade has two)."""
    out: dict[str, list[ModelEntry]] = {}
    for e in manifest.models:
        out.setdefault(e.file, []).append(e)
    return out


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


def _with_provenance(
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
    return _with_provenance(e, note, metrics, sha256=digest, version=f"{e.version}+int8")


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


# --- Evaluation of ONNX files on a held-out split ------------------------------------------------


def session(path: Path, threads: int = 1) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def _run_batches(sess: ort.InferenceSession, feeds: Iterable[Feed], output: str) -> np.ndarray:
    return np.concatenate([sess.run([output], f)[0] for f in feeds])


def evaluate_cascade(
    path: Path, filt: ModelEntry, lab: ModelEntry, split: Split, batch: int = 64
) -> dict[str, float]:
    """Filter accuracy (medical vs not) and labeler macro-F1/accuracy on every image of ``split``.

    ``filt`` and ``lab`` are the manifest entries of the (shared) cascade file ``path``.
    """
    sess = session(path)
    x = image_batch(split.images, filt.input)
    outputs = [filt.outputs["logits"], lab.outputs["logits"]]
    outs = [sess.run(outputs, {filt.inputs["image"]: x[s]}) for s in _batched(len(x), batch)]
    f_logits = np.concatenate([o[0] for o in outs])
    l_logits = np.concatenate([o[1] for o in outs])
    labels = np.asarray(split.labels)
    med = labels != NON_MEDICAL
    med_pred = f_logits.argmax(1) == filt.labels.index("medical")
    # labeler classes are the manifest's, mapped back to BODY_PARTS indices (the split's labels);
    # "other" (a medical image outside the classes) is never right on a split of the eleven classes
    names = [lab.labels[k] for k in l_logits.argmax(1)]
    lab_pred = np.asarray([BODY_PARTS.index(n) if n in BODY_PARTS else -1 for n in names])
    return {
        "filter_accuracy": float(np.mean(med_pred == med)),
        "labeler_macro_f1": macro_f1(lab_pred[med], labels[med], len(BODY_PARTS)),
        "labeler_accuracy": float(np.mean(lab_pred[med] == labels[med])),
    }


def _masks_at(masks: list[np.ndarray], size: int) -> np.ndarray:
    """Masks resized like the images (bilinear) and re-binarised at 0.5 (as ``ml.train`` does)."""
    out = [
        np.asarray(Image.fromarray(m.astype(np.uint8) * 255).resize((size, size), Image.Resampling.BILINEAR))
        >= 128
        for m in masks
    ]
    return np.stack(out)[:, None].astype(np.float32)


def evaluate_segmentation(path: Path, entry: ModelEntry, split: Split, batch: int = 32) -> dict[str, float]:
    """Pooled Dice (and mean per-image Dice over images with a lesion) on the brain MRIs of ``split``."""
    idx = split.indices(("brain",))
    x = image_batch([split.images[i] for i in idx], entry.input)
    y = _masks_at([split.findings[i].mask for i in idx], entry.input.size)  # type: ignore[union-attr]
    name = entry.inputs["image"]
    prob = _run_batches(session(path), ({name: x[s]} for s in _batched(len(x), batch)), entry.outputs["mask"])
    pred = (prob > 0.5).astype(np.float32)
    inter = (pred * y).sum(axis=(1, 2, 3))
    sums = pred.sum(axis=(1, 2, 3)) + y.sum(axis=(1, 2, 3))
    has = y.sum(axis=(1, 2, 3)) > 0
    return {
        "segmentation_dice": float(2 * inter.sum() / sums.sum()),
        "segmentation_dice_per_image": float(np.mean(2 * inter[has] / sums[has])) if has.any() else 1.0,
    }


def evaluate_vqa(path: Path, entry: ModelEntry, split: Split, batch: int = 64) -> dict[str, float]:
    """Closed (yes/no) and open answer accuracy over the canonical + one paraphrased question set."""
    idx = split.indices(VQA_PARTS)
    qa = split.qa(idx)
    pos = {i: k for k, i in enumerate(idx)}
    x = image_batch([split.images[i] for i in idx], entry.input)
    img = np.asarray([pos[i] for i, _, _ in qa])
    q = _encode(entry, [q for _, q, _ in qa], entry.question_vocab)
    answers = list(entry.answers) or list(ANSWERS)
    a = np.asarray([answers.index(ans) for _, _, ans in qa])
    feeds = (
        {entry.inputs["image"]: x[img[s]], entry.inputs["question"]: q[s]} for s in _batched(len(q), batch)
    )
    pred = _run_batches(session(path), feeds, entry.outputs["logits"]).argmax(1)
    closed = np.asarray([entry.answer_types[k] == "closed" for k in a])
    ok = pred == a
    return {
        "vqa_closed_accuracy": float(ok[closed].mean()) if closed.any() else float("nan"),
        "vqa_open_accuracy": float(ok[~closed].mean()) if (~closed).any() else float("nan"),
    }


def evaluate_file(path: Path, entries: Sequence[ModelEntry], split: Split) -> dict[str, float]:
    """Every metric of the models in one ONNX file (``entries``: the manifest entries reading it)."""
    by_task = {e.task: e for e in entries}
    out: dict[str, float] = {}
    if "filter" in by_task or "labeler" in by_task:
        if not {"filter", "labeler"} <= set(by_task):
            raise ValueError(f"{Path(path).name}: the cascade file must hold both the filter and the labeler")
        out.update(evaluate_cascade(path, by_task["filter"], by_task["labeler"], split))
    for e in entries:
        if e.task == "segmentation":
            out.update(evaluate_segmentation(path, e, split))
        elif e.task == "vqa":
            out.update(evaluate_vqa(path, e, split))
    return out


def evaluate_bundle(bundle_dir: Path, split: Split) -> dict[str, float]:
    """Every metric this bundle's models support, with ONNX Runtime on ``split``."""
    bundle_dir = Path(bundle_dir)
    manifest = read_manifest(bundle_dir)
    if manifest.by_task("filter")[0].file != manifest.by_task("labeler")[0].file:
        raise ValueError("evaluate_bundle expects the filter and labeler to share one cascade file")
    out: dict[str, float] = {}
    for file, entries in files_of(manifest).items():
        out.update(evaluate_file(bundle_dir / file, entries, split))
    return out


def accuracy_delta(fp32_dir: Path, int8_dir: Path, split: Split) -> dict[str, tuple[float, float, float]]:
    """metric -> (fp32, int8, int8 - fp32) for two bundles on the same held-out ``split``."""
    a, b = evaluate_bundle(fp32_dir, split), evaluate_bundle(int8_dir, split)
    return {k: (a[k], b[k], b[k] - a[k]) for k in a if k in b}


# --- The accuracy gate: int8 replaces a file only where no metric drops by more than a point ---

MAX_DROP = 0.01
# What the gate compares per file (evaluate_file also reports secondary numbers, recorded but not gated).
GATED_METRICS: tuple[str, ...] = (
    "filter_accuracy", "labeler_macro_f1", "segmentation_dice", "vqa_closed_accuracy", "vqa_open_accuracy",
)  # fmt: skip
_EPS = 1e-9  # 0.95 - 0.96 is -0.01000000000000001: a drop of exactly one point is still allowed


@dataclass(frozen=True)
class Int8Decision:
    """fp32 vs int8 metrics of one bundle file on the held-out split, and whether int8 replaces it."""

    file: str
    models: tuple[str, ...]
    fp32: dict[str, float]
    int8: dict[str, float]
    max_drop: float
    n_calibration: int
    calibration_source: str = "demo"

    @property
    def gated(self) -> list[str]:
        return [m for m in GATED_METRICS if m in self.fp32 and m in self.int8]

    @property
    def failed(self) -> list[str]:
        """The gated metrics that drop by more than ``max_drop`` (a metric turning NaN fails)."""
        out = []
        for m in self.gated:
            a, b = self.fp32[m], self.int8[m]
            if math.isnan(a) and math.isnan(b):
                continue
            if math.isnan(a) or math.isnan(b) or b - a < -self.max_drop - _EPS:
                out.append(m)
        return out

    @property
    def kept(self) -> bool:
        return bool(self.gated) and not self.failed

    def note(self) -> str:
        deltas = ", ".join(
            f"{m} {self.fp32[m]:.4f} -> {self.int8[m]:.4f} ({self.int8[m] - self.fp32[m]:+.4f})"
            for m in self.gated
        )
        verdict = "kept" if self.kept else f"rejected, fp32 kept ({', '.join(self.failed) or 'no metric'})"
        how = int8_note(self.n_calibration, self.calibration_source)
        return (
            f"int8 gate: {verdict}; {how}; ONNX Runtime on the held-out split "
            f"(max drop {self.max_drop:g} per metric): {deltas}"
        )

    def metrics(self) -> dict[str, float]:
        """Provenance metrics: both measurements (``onnx_fp32_*``, ``onnx_int8_*``) and ``int8_kept``."""
        return {
            **{f"onnx_fp32_{k}": v for k, v in self.fp32.items()},
            **{f"onnx_int8_{k}": v for k, v in self.int8.items()},
            "int8_kept": float(self.kept),
        }


def gate_file(
    fp32_path: Path,
    int8_path: Path,
    entries: Sequence[ModelEntry],
    calibration_split: Split,
    test_split: Split,
    *,
    max_drop: float = MAX_DROP,
    n_calibration: int = 96,
    seed: int = 0,
    calibration_source: str = "demo",
) -> Int8Decision:
    """Quantize one bundle file to ``int8_path`` and measure both versions on ``test_split``.

    ``calibration_source`` only labels the provenance note ("demo", "hospital val", ...).
    """
    quantize_file(fp32_path, int8_path, entries, calibration_split, n_calibration, seed)
    return Int8Decision(
        file=Path(fp32_path).name,
        models=tuple(e.name for e in entries),
        fp32=evaluate_file(fp32_path, entries, test_split),
        int8=evaluate_file(int8_path, entries, test_split),
        max_drop=max_drop,
        n_calibration=n_calibration,
        calibration_source=calibration_source,
    )


def apply_int8(bundle_dir: Path, results: dict[str, tuple[Int8Decision, Path]]) -> Manifest:
    """Rewrite bundle ``bundle_dir`` with the gate's results (file name -> (decision, int8 file)).

    Kept files are swapped for their int8 version (new hash, ``+int8`` version); every gated entry,
    kept or not, records the decision in its provenance notes and both measurements in its metrics.
    Files without a result are untouched. The bundle is replaced atomically
    (:func:`ml.bundle_writer.write_bundle`).
    """
    from ml.bundle_writer import write_bundle

    bundle_dir = Path(bundle_dir)
    manifest = read_manifest(bundle_dir)
    sources = {e.file: bundle_dir / e.file for e in manifest.models}
    models = []
    for e in manifest.models:
        if e.file not in results:
            models.append(e)
            continue
        decision, int8_path = results[e.file]
        if decision.kept:
            sources[e.file] = int8_path
            models.append(int8_entry(e, sha256_file(int8_path), decision.note(), decision.metrics()))
        else:
            models.append(_with_provenance(e, decision.note(), decision.metrics()))
    out = manifest.model_copy(update={"models": models})
    write_bundle(bundle_dir, out, sources)
    return out


def int8_gate_bundle(
    bundle_dir: Path,
    calibration_split: Split,
    test_split: Split,
    *,
    files: Sequence[str] | None = None,
    max_drop: float = MAX_DROP,
    n_calibration: int = 96,
    seed: int = 0,
    calibration_source: str = "demo",
) -> list[Int8Decision]:
    """The gate on one bundle in place: each file (or only ``files``) quantized, measured, decided.

    A file becomes int8 only if none of its :data:`GATED_METRICS` drops by more than ``max_drop``
    on ``test_split``; otherwise it stays fp32. Either way the decision is in the provenance.
    """
    bundle_dir = Path(bundle_dir)
    groups = files_of(read_manifest(bundle_dir))
    unknown = set(files or ()) - set(groups)
    if unknown:
        raise ValueError(f"{bundle_dir}: no model file {sorted(unknown)} in the bundle")
    with tempfile.TemporaryDirectory(prefix="qaid-int8-") as tmp:
        results = {
            f: (
                gate_file(bundle_dir / f, Path(tmp) / f, entries, calibration_split, test_split,
                          max_drop=max_drop, n_calibration=n_calibration, seed=seed,
                          calibration_source=calibration_source),
                Path(tmp) / f,
            )
            for f, entries in groups.items()
            if files is None or f in files
        }  # fmt: skip
        apply_int8(bundle_dir, results)
    return [d for d, _ in results.values()]


def format_decisions(decisions: Iterable[Int8Decision]) -> str:
    """The gate as a small table: model, metric, fp32, int8, delta, kept?"""
    lines = [f"{'model':16s} {'metric':22s} {'fp32':>7s} {'int8':>7s} {'delta':>8s}  kept?"]
    for d in decisions:
        for k, m in enumerate(d.gated):
            name = "+".join(d.models) if k == 0 else ""
            a, b = d.fp32[m], d.int8[m]
            kept = ("yes" if d.kept else "no (fp32)") if k == 0 else ""
            lines.append(f"{name:16s} {m:22s} {a:7.4f} {b:7.4f} {b - a:+8.4f}  {kept}".rstrip())
    return "\n".join(lines)
