"""Loading a model bundle: validate everything up front, then hand out one immutable object.

A HIP must never start (or hot-swap to) a bundle it cannot serve, because the failure would only
surface later as 500s on patient requests. So :func:`load_bundle` checks the manifest schema, every
file's presence and sha256, every ONNX input/output name and shape against the manifest, the
class-activation weights, and finally runs each model once on a blank input. Any problem raises one
:class:`BundleError` whose message lists all problems found.

The result, :class:`LoadedBundle`, is immutable and owns its ONNX Runtime sessions (one per distinct
file, so a cascade whose filter and labeler share ``cascade.onnx`` runs one backbone pass). A hot swap
replaces the reference to it; requests holding the old object finish on the old sessions.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from pydantic import ValidationError

from qaid.bundle import MANIFEST_NAME, Manifest, ModelEntry, read_manifest
from qaid.vqa_questions import QuestionIndex

# Output roles a manifest may use; the first alias present in ``entry.outputs`` wins.
_ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "logits": ("logits", "answer_logits", "filter_logits", "labeler_logits"),
    "features": ("features",),
    "mask": ("mask",),
    "ood": ("ood",),
}
_REQUIRED_OUTPUTS: dict[str, tuple[str, ...]] = {
    "filter": ("logits",),
    "labeler": ("logits",),
    "modality": ("logits",),
    "orientation": ("logits",),
    "vqa": ("logits",),
    "segmentation": ("mask",),
}
MEDICAL_LABEL = "medical"


class BundleError(Exception):
    """The bundle cannot be served; the message says every reason found, for the operator."""


def output_name(entry: ModelEntry, role: str) -> str | None:
    """The ONNX output name the manifest maps ``role`` to (with the aliases above), if any."""
    for alias in _ROLE_ALIASES.get(role, (role,)):
        if alias in entry.outputs:
            return entry.outputs[alias]
    return None


@dataclass(frozen=True)
class LoadedModel:
    entry: ModelEntry
    session: ort.InferenceSession
    cam_weight: np.ndarray | None = None  # [classes, C] for labeler/filter class-activation maps
    questions: QuestionIndex | None = None  # VQA: which questions it may answer (qaid.vqa_questions)


@dataclass(frozen=True)
class LoadedBundle:
    directory: Path
    manifest: Manifest
    models: dict[str, LoadedModel]
    manifest_sha256: str
    loaded_at: float = field(default_factory=time.time)

    @property
    def version(self) -> str:
        return self.manifest.bundle_version

    def only(self, task: str) -> LoadedModel:
        return next(m for m in self.models.values() if m.entry.task == task)

    def optional(self, task: str) -> LoadedModel | None:
        return next((m for m in self.models.values() if m.entry.task == task), None)

    def for_topic(self, task: str, topic: str | None) -> LoadedModel | None:
        """The first model of ``task`` whose manifest topics include ``topic`` (None if not offered)."""
        if topic is None:
            return None
        for m in self.models.values():
            if m.entry.task == task and topic in m.entry.topics:
                return m
        return None

    def tasks_for(self, topic: str | None) -> list[str]:
        return [t for t in ("vqa", "segmentation") if self.for_topic(t, topic) is not None]


def _session_options(intra_op_threads: int) -> ort.SessionOptions:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, intra_op_threads)
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    return opts


def _summarise_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "manifest"
        parts.append(f"{loc}: {err.get('msg')}")
    more = f" (+{exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return "; ".join(parts) + more


def _read(bundle_dir: Path) -> tuple[Manifest, str]:
    path = bundle_dir / MANIFEST_NAME
    try:
        raw = path.read_bytes()
        manifest = read_manifest(bundle_dir)
    except FileNotFoundError as exc:
        raise BundleError(f"bundle {bundle_dir}: no {MANIFEST_NAME} ({exc})") from exc
    except ValidationError as exc:
        raise BundleError(f"bundle {bundle_dir}: invalid manifest: {_summarise_validation(exc)}") from exc
    except (OSError, ValueError, json.JSONDecodeError) as exc:
        raise BundleError(f"bundle {bundle_dir}: unreadable manifest: {exc}") from exc
    return manifest, hashlib.sha256(raw).hexdigest()


def _dims_match(actual: Iterable[object], expected: Iterable[int | None]) -> bool:
    """ONNX static dims vs expected; symbolic dims (str/None) and expected None match anything."""
    actual, expected = list(actual), list(expected)
    if len(actual) != len(expected):
        return False
    return all(not isinstance(a, int) or e is None or a == e for a, e in zip(actual, expected, strict=True))


def _check_signature(entry: ModelEntry, sess: ort.InferenceSession, problems: list[str]) -> None:
    inputs = {i.name: i for i in sess.get_inputs()}
    outputs = {o.name: o for o in sess.get_outputs()}
    need_inputs = ("image", "question") if entry.task == "vqa" else ("image",)
    for role in need_inputs:
        name = entry.inputs.get(role)
        if name is None:
            problems.append(f"{entry.name}: manifest maps no ONNX input for role {role!r}")
        elif name not in inputs:
            problems.append(f"{entry.name}: {entry.file} has no input {name!r} (has {sorted(inputs)})")
    unfed = set(inputs) - {entry.inputs.get(r) for r in need_inputs}
    if unfed:
        problems.append(f"{entry.name}: {entry.file} needs inputs the manifest does not map: {sorted(unfed)}")
    img = inputs.get(entry.inputs.get("image", ""))
    spec = entry.input
    if img is not None:
        if img.type != "tensor(float)":
            problems.append(f"{entry.name}: input {img.name!r} is {img.type}, expected float32")
        if not _dims_match(img.shape, (None, spec.channels, spec.size, spec.size)):
            problems.append(
                f"{entry.name}: input {img.name!r} has shape {img.shape}, manifest says "
                f"[N,{spec.channels},{spec.size},{spec.size}]"
            )
    q = inputs.get(entry.inputs.get("question", "")) if entry.task == "vqa" else None
    if q is not None:
        if q.type != "tensor(int64)":
            problems.append(f"{entry.name}: input {q.name!r} is {q.type}, expected int64")
        if not _dims_match(q.shape, (None, entry.max_question_len)):
            problems.append(
                f"{entry.name}: input {q.name!r} has shape {q.shape}, "
                f"manifest says [N,{entry.max_question_len}]"
            )
    wanted = list(_REQUIRED_OUTPUTS[entry.task]) + (["features"] if entry.cam_weight else [])
    wanted += ["ood"] if entry.ood_groups else []
    for role in wanted:
        name = output_name(entry, role)
        if name is None:
            problems.append(f"{entry.name}: manifest maps no ONNX output for role {role!r}")
        elif name not in outputs:
            problems.append(f"{entry.name}: {entry.file} has no output {name!r} (has {sorted(outputs)})")


def _expected_output_shape(entry: ModelEntry, role: str) -> tuple[int | None, ...] | None:
    if role == "logits":
        classes = len(entry.answers) if entry.task == "vqa" else len(entry.labels)
        return (1, classes)
    if role == "mask":
        return (1, 1, entry.input.size, entry.input.size)
    if role == "ood":
        return (1, len(entry.ood_groups))
    return None


def _dry_run(file: str, entries: list[ModelEntry], sess: ort.InferenceSession, problems: list[str]) -> dict:
    """Run the file once on zeros and check every mapped output's real shape."""
    first = entries[0]
    feed: dict[str, np.ndarray] = {
        first.inputs["image"]: np.zeros(
            (1, first.input.channels, first.input.size, first.input.size), np.float32
        )
    }
    if first.task == "vqa":
        feed[first.inputs["question"]] = np.zeros((1, first.max_question_len), np.int64)
    try:
        values = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feed), strict=True))
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidArgument types
        problems.append(f"{file}: a test run on a blank input failed: {exc}")
        return {}
    for entry in entries:
        for role in (
            list(_REQUIRED_OUTPUTS[entry.task]) + ["features"] + (["ood"] if entry.ood_groups else [])
        ):
            name = output_name(entry, role)
            if name is None or name not in values:
                continue
            shape = values[name].shape
            expected = _expected_output_shape(entry, role)
            if role == "features" and len(shape) != 4:
                problems.append(f"{entry.name}: output {name!r} has shape {list(shape)}, expected [N,C,h,w]")
            elif expected is not None and tuple(shape) != expected:
                problems.append(
                    f"{entry.name}: output {name!r} has shape {list(shape)}, expected {list(expected)}"
                )
    return values


def _cam_weight(
    entry: ModelEntry, model: onnx.ModelProto, values: dict, problems: list[str]
) -> np.ndarray | None:
    if not entry.cam_weight:
        return None
    init = next((i for i in model.graph.initializer if i.name == entry.cam_weight), None)
    if init is None:
        problems.append(
            f"{entry.name}: cam_weight {entry.cam_weight!r} is not an initializer of {entry.file}"
        )
        return None
    weight = numpy_helper.to_array(init).astype(np.float32)
    feats = values.get(output_name(entry, "features") or "")
    channels = feats.shape[1] if feats is not None and feats.ndim == 4 else None
    if weight.ndim != 2 or weight.shape[0] != len(entry.labels) or (channels and weight.shape[1] != channels):
        problems.append(
            f"{entry.name}: cam_weight {entry.cam_weight!r} has shape {list(weight.shape)}, "
            f"expected [{len(entry.labels)}, {channels}]"
        )
        return None
    return weight


def _question_index(entry: ModelEntry, problems: list[str]) -> QuestionIndex | None:
    """A VQA entry's question rule; every canonical question must be answered as its own type (the
    bot asks exactly those)."""
    if entry.task != "vqa":
        return None
    index = QuestionIndex(entry)
    bad = index.unanswerable_canonicals()
    if bad:
        problems.append(f"{entry.name}: canonical questions not answerable as their type: {'; '.join(bad)}")
    return index


def _resolve_file(bundle_dir: Path, entry: ModelEntry, problems: list[str]) -> Path | None:
    root = bundle_dir.resolve()
    path = (bundle_dir / entry.file).resolve()
    if not path.is_relative_to(root):
        problems.append(f"{entry.name}: file {entry.file!r} is outside the bundle directory")
        return None
    if not path.is_file():
        problems.append(f"{entry.name}: file {entry.file} is missing")
        return None
    return path


def load_bundle(bundle_dir: Path, *, intra_op_threads: int = 1) -> LoadedBundle:
    """Read, verify and open a bundle, or raise one :class:`BundleError` listing every problem."""
    bundle_dir = Path(bundle_dir)
    manifest, manifest_sha = _read(bundle_dir)
    problems: list[str] = []
    by_file: dict[str, list[ModelEntry]] = {}
    for entry in manifest.models:
        by_file.setdefault(entry.file, []).append(entry)
    filt = manifest.by_task("filter")[0]
    if MEDICAL_LABEL not in filt.labels:
        problems.append(f"{filt.name}: filter labels {filt.labels} lack {MEDICAL_LABEL!r}")

    models: dict[str, LoadedModel] = {}
    for file, entries in by_file.items():
        if len({e.input.model_dump_json() for e in entries}) > 1:
            problems.append(f"{file}: models sharing one file must share one input spec")
            continue
        path = _resolve_file(bundle_dir, entries[0], problems)
        if path is None:
            continue
        data = path.read_bytes()  # hash and load the same bytes: no swap between check and use
        digest = hashlib.sha256(data).hexdigest()
        bad_hash = [e.name for e in entries if e.sha256.lower() != digest]
        if bad_hash:
            problems.append(f"{file}: sha256 is {digest}, manifest says otherwise for {', '.join(bad_hash)}")
            continue
        try:
            proto = onnx.load_model_from_string(data)
            sess = ort.InferenceSession(
                data, sess_options=_session_options(intra_op_threads), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # protobuf DecodeError / onnxruntime Fail / InvalidGraph
            problems.append(f"{file}: not a loadable ONNX model: {exc}")
            continue
        before = len(problems)
        for entry in entries:
            _check_signature(entry, sess, problems)
        if len(problems) > before:
            continue
        values = _dry_run(file, entries, sess, problems)
        for entry in entries:
            cam = _cam_weight(entry, proto, values, problems)
            models[entry.name] = LoadedModel(entry, sess, cam, _question_index(entry, problems))
    if problems:
        raise BundleError(
            f"bundle {bundle_dir} (version {manifest.bundle_version}) is unusable: " + "; ".join(problems)
        )
    return LoadedBundle(bundle_dir, manifest, models, manifest_sha)
