"""The bundle writer: valid manifests, matching hashes, offers per hospital, ONNX contract, samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image

from ml.samples import ground_truth
from qaid.bundle import BODY_PARTS, read_manifest, sha256_file, tokenize_question
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
    assert filt.file == lab.file == "cascade.onnx" and lab.labels == list(BODY_PARTS)
    path = out / "cismigiu" / filt.file
    inits = {i.name: tuple(i.dims) for i in onnx.load(str(path)).graph.initializer}
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    img = Image.open(out / "samples" / "brain_lesion.png")
    x = np.stack([to_input(img, filt.input)] * 2)
    got = dict(zip([o.name for o in s.get_outputs()], s.run(None, {"image": x}), strict=True))
    assert got[filt.outputs["logits"]].shape == (2, 2) and got[lab.outputs["logits"]].shape == (2, 11)
    feats = got[filt.outputs["features"]]
    assert feats.ndim == 4 and feats.min() >= 0  # ReLU'd
    assert inits[filt.cam_weight] == (2, feats.shape[1]) and inits[lab.cam_weight] == (11, feats.shape[1])


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


def test_samples_and_readme(quick_build: tuple[Path, dict]) -> None:
    out, _ = quick_build
    truth = ground_truth(seed=1)
    readme = (out / "samples" / "README.md").read_text()
    for name, facts in truth.items():
        assert (out / "samples" / name).is_file() and f"`{name}`" in readme
        if "side" in facts:
            assert f"side: {facts['side']}" in readme
    mask = np.asarray(Image.open(out / "samples" / "brain_lesion_mask.png")) > 0
    cols = np.nonzero(mask)[1]
    side = "right" if cols.mean() < mask.shape[1] / 2 else "left"  # image left = patient right
    assert side == truth["brain_lesion.png"]["side"]


def test_model_cards_carry_the_build_metrics(quick_build: tuple[Path, dict]) -> None:
    out, report = quick_build
    assert sorted(p.name for p in report["cards"]) == ["cascade.md", "segmentation.md", "vqa.md"]
    cards = {p.stem: p.read_text() for p in report["cards"]}
    metrics = report["metrics"]
    for task, key in (("cascade", "labeler_macro_f1"), ("segmentation", "segmentation_dice"),
                      ("vqa", "vqa_closed_accuracy")):  # fmt: skip
        assert "not for clinical use" in cards[task]
        assert f"| {key} | {metrics[key]:.4f} |" in cards[task]
    assert "### labeler: confusion matrix" in cards["cascade"]
    # per-class numbers also reach the bundle provenance
    prov = read_manifest(out / "cismigiu").by_task("labeler")[0].provenance.metrics
    assert {"labeler_auroc_mean", "labeler_recall_brain", "filter_accuracy"} <= set(prov)
