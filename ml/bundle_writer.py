"""Manifest entries and atomic bundle directories: shared by ``ml.build_bundles`` and ``ml.train_cli``.

One place builds the :class:`~qaid.bundle.ModelEntry` of each task, so a hospital's own model
(trained with the CLI) lands in a bundle exactly like a demo model does, and the HIP cannot tell
them apart except by provenance.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from qaid.bundle import (
    BODY_PARTS,
    DEFAULT_LABEL_TOPICS,
    LABELS,
    MODALITIES,
    ORIENTATIONS,
    Calibration,
    DataProvenance,
    ExtraHead,
    InputSpec,
    Manifest,
    ModelEntry,
    Provenance,
    QuestionType,
    TrainedOn,
    read_manifest,
    sha256_file,
    write_manifest,
)  # fmt: skip
from qaid_contracts.vocabulary import AnswerType

FILES = {"cascade": "cascade.onnx", "segmentation": "segmentation.onnx", "vqa": "vqa.onnx"}
# The tasks one trained file replaces: a new cascade file takes the old one's modality/plane heads with it.
TASKS_OF = {"cascade": ("filter", "labeler", "modality", "orientation"), "segmentation": ("segmentation",),
            "vqa": ("vqa",)}  # fmt: skip
CASCADE_EXTRA_HEADS: tuple[ExtraHead, ...] = ("modality", "orientation")


def cascade_entries(
    path: Path, version: str, spec: InputSpec, heads: dict[str, str], provenance: Provenance
) -> list[ModelEntry]:
    """The filter and labeler entries: one ONNX file, two heads, each with its CAM initializer."""
    common: dict[str, Any] = {"version": version, "file": path.name, "sha256": sha256_file(path),
                              "input": spec, "provenance": provenance}  # fmt: skip
    return [
        ModelEntry(name="filter", task="filter", labels=["medical", "non_medical"],
                   cam_weight=heads["filter"], outputs={"logits": "filter_logits", "features": "features"},
                   **common),
        ModelEntry(name="labeler", task="labeler", labels=list(BODY_PARTS), cam_weight=heads["labeler"],
                   outputs={"logits": "labeler_logits", "features": "features"}, **common),
    ]  # fmt: skip


def cascade_net_entries(
    path: Path,
    version: str,
    spec: InputSpec,
    heads: dict[str, str],
    provenance: Provenance,
    calibration: dict[str, Calibration],
    ood_groups: list[str],
    backbone: str | None = None,
) -> list[ModelEntry]:
    """The entries of one :class:`~ml.models.CascadeHeads` file, each with its validation-chosen
    calibration: filter, labeler (12 classes incl. "other", with the OOD output) and, where
    ``calibration`` has them (i.e. they were trained), modality and orientation. An untrained head
    gets no entry: the file still computes it, but nothing may read it."""
    common: dict[str, Any] = {"version": version, "file": path.name, "sha256": sha256_file(path),
                              "input": spec, "provenance": provenance, "backbone": backbone}  # fmt: skip
    entries = [
        ModelEntry(name="filter", task="filter", labels=["medical", "non_medical"],
                   cam_weight=heads["filter"], outputs={"logits": "filter_logits", "features": "features"},
                   calibration=calibration["filter"], **common),
        ModelEntry(name="labeler", task="labeler", labels=list(LABELS), cam_weight=heads["labeler"],
                   outputs={"logits": "labeler_logits", "features": "features", "ood": "ood"},
                   calibration=calibration["labeler"], ood_groups=ood_groups, **common),
    ]  # fmt: skip
    labels = {"modality": MODALITIES, "orientation": ORIENTATIONS}
    for task in CASCADE_EXTRA_HEADS:
        if task in calibration:
            entries.append(ModelEntry(name=task, task=task, labels=list(labels[task]),
                                      outputs={"logits": f"{task}_logits"}, calibration=calibration[task],
                                      **common))  # fmt: skip
    return entries


def trained_on_topics(topics: list[str], orientations: tuple[str, ...] = ()) -> TrainedOn:
    """What a task model trained on ``topics`` (e.g. ``brain_mri``) may be run on: their body parts and
    modalities (and ``orientations`` where the data format fixes them), checked by the HIP before it
    runs the model (:func:`qaid.bundle.domain_check`) — so a cascade that cannot tell the modality
    (``Manifest.untrained_heads``) gets the model refused, not run on a guess."""
    label_of = {t: label for label, t in DEFAULT_LABEL_TOPICS.items()}
    labels = sorted({label_of.get(t, t.split("_", 1)[0]) for t in topics})
    modalities = sorted({m for t in topics if (m := t.split("_", 1)[-1]) in MODALITIES})
    words = " and ".join(t.replace("_", " ") for t in sorted(topics))
    planes = f" ({'/'.join(orientations)})" if orientations else ""
    return TrainedOn(labels=labels, modalities=modalities, orientations=list(orientations),
                     description=f"{words} images{planes}")  # fmt: skip


def segmentation_entry(
    path: Path,
    version: str,
    spec: InputSpec,
    topics: list[str],
    provenance: Provenance,
    trained_on: TrainedOn | None = None,
) -> ModelEntry:
    return ModelEntry(
        name="segmentation",
        task="segmentation",
        version=version,
        file=path.name,
        sha256=sha256_file(path),
        input=spec,
        outputs={"mask": "mask"},
        topics=sorted(topics),
        provenance=provenance,
        trained_on=trained_on,
    )


def vqa_entry(
    path: Path,
    version: str,
    spec: InputSpec,
    answers: list[str],
    answer_types: list[AnswerType],
    vocab: list[str],
    max_len: int,
    topics: list[str],
    provenance: Provenance,
    trained_on: TrainedOn | None = None,
    question_types: list[QuestionType] | None = None,
) -> ModelEntry:
    """The VQA entry. ``question_types`` (from :class:`ml.vqa_data.VQAData`) are what the HIP answers;
    without them it can only refuse questions with words the model never saw."""
    return ModelEntry(
        name="vqa", task="vqa", version=version, file=path.name, sha256=sha256_file(path), input=spec,
        inputs={"image": "image", "question": "question"}, outputs={"logits": "answer_logits"},
        answers=answers, answer_types=answer_types, question_vocab=vocab, max_question_len=max_len,
        topics=sorted(topics), provenance=provenance, trained_on=trained_on,
        question_types=list(question_types or []),
    )  # fmt: skip


def write_bundle(final: Path, manifest: Manifest, sources: dict[str, Path]) -> Path:
    """Write ``final`` (manifest + the files it names, copied from ``sources`` by file name).

    Assembled in a temp dir and swapped in, so a reader never sees half of a bundle.
    """
    tmp, old = final.parent / f".{final.name}.tmp", final.parent / f".{final.name}.old"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for e in manifest.models:
        if not (tmp / e.file).exists():
            shutil.copy2(sources[e.file], tmp / e.file)
    write_manifest(tmp, manifest)
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def new_manifest(
    hip_id: str,
    hip_name: str,
    version: str,
    created: str,
    models: list[ModelEntry],
    data_provenance: DataProvenance = "unspecified",
    untrained_heads: dict[ExtraHead, str] | None = None,
) -> Manifest:
    return Manifest(
        hip_id=hip_id, hip_name=hip_name, bundle_version=version, created_at=created,
        label_topics=dict(DEFAULT_LABEL_TOPICS), models=models, data_provenance=data_provenance,
        untrained_heads=untrained_heads or {},
    )  # fmt: skip


def replace_in_bundle(
    base: Path | None,
    out: Path,
    task: str,
    entries: list[ModelEntry],
    onnx_path: Path,
    version: str,
    created: str,
    data_provenance: DataProvenance | None = None,
    hip_id: str | None = None,
    hip_name: str | None = None,
    untrained_heads: dict[ExtraHead, str] | None = None,
) -> Path:
    """A bundle at ``out``: ``base``'s models with those of ``task`` replaced by ``entries``.

    ``hip_id``/``hip_name`` name the hospital (required without a base; a base's are kept otherwise).

    A bundle must hold a filter and a labeler, so a segmentation or VQA model needs a ``base``
    (e.g. the hospital's current bundle); a cascade alone makes a complete bundle. The bundle's
    ``data_provenance`` is ``data_provenance`` if given, else the base's: a real model added to a demo
    bundle keeps saying "generated_demo" until every model is the hospital's own. ``untrained_heads``
    (cascade only) names the modality/plane heads the new cascade lacks; otherwise the base's are kept.
    """
    if base is None:
        if task != "cascade":
            raise ValueError(f"a {task} model needs --bundle-base: a bundle must contain the cascade")
        if not hip_id:
            raise ValueError("a new bundle needs the hospital's id (--hip-id): the hub checks it on joining")
        prov = data_provenance or "unspecified"
        manifest = new_manifest(hip_id, hip_name or hip_id, version, created, entries, prov, untrained_heads)
        return write_bundle(out, manifest, {onnx_path.name: onnx_path})
    old = read_manifest(base)
    keep = [m for m in old.models if m.task not in TASKS_OF[task]]
    sources = {m.file: base / m.file for m in keep}
    sources[onnx_path.name] = onnx_path
    if any(m.file == onnx_path.name for m in keep):
        raise ValueError(f"{base}: {onnx_path.name} is used by another model of the bundle")
    untrained = dict(old.untrained_heads) if task != "cascade" else (untrained_heads or {})
    manifest = new_manifest(hip_id or old.hip_id, hip_name or old.hip_name, version, created,
                            [*keep, *entries], old.data_provenance, untrained)  # fmt: skip
    return write_bundle(out, manifest, sources)
