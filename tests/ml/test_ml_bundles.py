"""The bundle writer: valid manifests, matching hashes, offers per hospital, ONNX contract, samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime as ort
from PIL import Image

from ml.backbone import BACKBONE_ID
from ml.bundle_runner import BundleRunner
from ml.cascade_data import OOD_GROUPS
from ml.demo_data import QUESTIONS
from ml.samples import ground_truth
from qaid.bundle import LABELS, MODALITIES, ORIENTATIONS, read_manifest, sha256_file, tokenize_question
from qaid.config import get_settings
from qaid.imaging import to_input


def test_one_valid_bundle_per_hospital(quick_build: tuple[Path, dict]) -> None:
    out, report = quick_build
    hospitals = get_settings().hospitals
    assert sorted(p.name for p in report["bundles"]) == sorted(h.id for h in hospitals)
    for h in hospitals:
        m = read_manifest(out / h.id)
        assert m.hip_id == h.id
        assert m.offers() == {task: sorted(t) for task, t in h.offers.items() if t}
        for entry in m.models:
            assert sha256_file(out / h.id / entry.file) == entry.sha256
            assert entry.provenance.metrics
        files = {p.name for p in (out / h.id).iterdir()} - {"manifest.json"}
        assert files == {e.file for e in m.models}  # nothing the manifest does not name


def test_cascade_contract(quick_build: tuple[Path, dict]) -> None:
    out, _ = quick_build
    m = read_manifest(out / "cismigiu")
    filt, lab = m.by_task("filter")[0], m.by_task("labeler")[0]
    mod, plane = m.by_task("modality")[0], m.by_task("orientation")[0]
    assert filt.file == lab.file == mod.file == plane.file == "cascade.onnx"
    assert lab.labels == list(LABELS) and lab.labels[-1] == "other" and lab.ood_groups == list(OOD_GROUPS)
    assert mod.labels == list(MODALITIES) and plane.labels == list(ORIENTATIONS)
    path = out / "cismigiu" / filt.file
    inits = {i.name: tuple(i.dims) for i in onnx.load(str(path)).graph.initializer}
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    imgs = [Image.open(out / "samples" / name) for name in ("brain_lesion.png", "chest_xray.png")]
    x = np.stack([to_input(img, filt.input) for img in imgs])
    got = dict(zip([o.name for o in s.get_outputs()], s.run(None, {"image": x}), strict=True))
    assert got[filt.outputs["logits"]].shape == (2, 2) and got[lab.outputs["logits"]].shape == (
        2,
        len(LABELS),
    )
    assert got[mod.outputs["logits"]].shape == (2, len(MODALITIES))
    ood = got[lab.outputs["ood"]]
    assert ood.shape == (2, len(OOD_GROUPS)) and (ood >= 0).all()  # squared Mahalanobis distances
    feats = got[filt.outputs["features"]]
    assert feats.ndim == 4 and np.isfinite(feats).all()
    assert inits[filt.cam_weight] == (2, feats.shape[1]) and inits[lab.cam_weight] == (
        len(LABELS),
        feats.shape[1],
    )
    # class-activation maps are exact: the head is linear over the spatial mean of the features, so
    # weight . mean(features) differs from the logits by the same bias on every image
    weights = {i.name: onnx.numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    cam_mean = np.einsum("kc,nchw->nk", weights[lab.cam_weight], feats) / feats[0, 0].size
    bias = got[lab.outputs["logits"]] - cam_mean
    np.testing.assert_allclose(bias[0], bias[1], atol=1e-3)
    assert filt.backbone == lab.backbone == BACKBONE_ID  # the frozen pretrained network, named
    assert filt.input.size == 128  # a size that can see anatomy (docs/models.md: the size sweep)


def test_every_hospital_trains_its_own_models_and_says_they_are_demo(quick_build: tuple[Path, dict]) -> None:
    out, _ = quick_build
    manifests = {h.id: read_manifest(out / h.id) for h in get_settings().hospitals}
    cascades = {m.by_task("filter")[0].sha256 for m in manifests.values()}
    # their own heads, so their own files, on one shared backbone that the manifests name
    assert {m.by_task("filter")[0].backbone for m in manifests.values()} == {BACKBONE_ID}
    vqas = {m.by_task("vqa")[0].sha256 for m in manifests.values() if m.by_task("vqa")}
    assert len(cascades) == len(manifests) and len(vqas) == sum(
        bool(m.by_task("vqa")) for m in manifests.values()
    )
    for m in manifests.values():
        assert m.data_provenance == "generated_demo"
        for task in ("filter", "labeler", "modality", "orientation"):
            cal = m.by_task(task)[0].calibration  # type: ignore[arg-type]
            assert cal is not None and cal.temperature > 0 and "validation" in cal.chosen_on
        assert m.by_task("labeler")[0].calibration.max_ood is not None  # type: ignore[union-attr]
    seg = manifests["cismigiu"].by_task("segmentation")[0].trained_on
    assert seg is not None and seg.labels == ["brain"] and seg.orientations == ["axial"]
    assert set(seg.max_ood) == {"brain_mri_demo"}
    vqa = manifests["cismigiu"].by_task("vqa")[0].trained_on
    assert vqa is not None and set(vqa.max_ood) == {"brain_mri_demo", "chest_xray_demo"}


def test_vqa_and_segmentation_contract(quick_build: tuple[Path, dict]) -> None:
    out, _ = quick_build
    m = read_manifest(out / "cismigiu")
    vqa, seg = m.by_task("vqa")[0], m.by_task("segmentation")[0]
    img = Image.open(out / "samples" / "brain_lesion.png")
    s = ort.InferenceSession(str(out / "cismigiu" / vqa.file), providers=["CPUExecutionProvider"])
    q = np.asarray(
        [tokenize_question("which side is the lesion on?", vqa.question_vocab, vqa.max_question_len)]
    )
    (logits,) = s.run(None, {"image": to_input(img, vqa.input)[None], "question": q})
    assert logits.shape == (1, len(vqa.answers)) and "yes" in vqa.answers and "left" in vqa.answers
    s = ort.InferenceSession(str(out / "cismigiu" / seg.file), providers=["CPUExecutionProvider"])
    (mask,) = s.run(None, {"image": to_input(img, seg.input)[None]})
    assert mask.shape == (1, 1, seg.input.size, seg.input.size) and 0 <= mask.min() and mask.max() <= 1


def test_vqa_declares_its_question_types_and_abstains_on_others(quick_build: tuple[Path, dict]) -> None:
    out, _ = quick_build
    runner = BundleRunner.open(out / "cismigiu")
    vqa = runner.entry("vqa")
    assert vqa is not None and [t.id for t in vqa.question_types] == list(QUESTIONS)
    img = np.asarray(Image.open(out / "samples" / "brain_lesion.png").convert("L"))
    assert runner.vqa(img, "is there a fracture?", vqa) == (None, 0.0)
    answer, _ = runner.vqa(img, "How many lesions can you see?", vqa)
    assert answer in next(t.answers for t in vqa.question_types if t.id == "count")


def test_samples_and_readme(quick_build: tuple[Path, dict]) -> None:
    out, _ = quick_build
    truth = ground_truth(out / "samples")
    assert set(truth) == {"brain_lesion.png", "brain_normal.png", "chest_xray.png", "not_medical.png"}
    readme = (out / "samples" / "README.md").read_text()
    for name, facts in truth.items():
        assert (out / "samples" / name).is_file() and f"`{name}`" in readme
        if "side" in facts:
            assert f"side: {facts['side']}" in readme
    mask = np.asarray(Image.open(out / "samples" / "brain_lesion_mask.png")) > 0
    cols = np.nonzero(mask)[1]
    side = "right" if cols.mean() < mask.shape[1] / 2 else "left"  # image left = patient right
    assert side == truth["brain_lesion.png"]["side"]


def test_the_build_reports_every_hospitals_jobs(quick_build: tuple[Path, dict]) -> None:
    _, report = quick_build
    jobs = set(report["metrics"])
    assert {"cascade:herastrau", "cascade:cismigiu", "cascade:titan", "segmentation:cismigiu"} <= jobs
    assert {"vqa:herastrau", "vqa:cismigiu", "vqa:titan"} <= jobs
    assert {"val_filter_accuracy", "val_labeler_accuracy"} <= set(report["metrics"]["cascade:titan"])
