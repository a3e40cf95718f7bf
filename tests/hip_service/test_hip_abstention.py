"""Abstention, kind gating, provenance and plain words, over the calibrated tiny bundle (real ONNX).

The tiny cascade's wiring (hip_tiny_bundle.TinyCascadeV2) gives one image per case; the thresholds,
temperatures and ``trained_on`` gates come from the manifest exactly as a built bundle's do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hip_helpers import encode, upload
from hip_tiny_bundle import brain_like, build_calibrated_bundle, checkerboard, gray, tinted
from test_hip_imaging import dicom_bytes


@pytest.fixture(scope="module")
def calibrated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("calibrated")
    build_calibrated_bundle(directory)
    return directory


@pytest.fixture
def hip(make_client: Callable[..., TestClient], calibrated_dir: Path) -> TestClient:
    return make_client(calibrated_dir)


def analyze(client: TestClient, data: bytes) -> dict:
    r = client.post(f"/v1/images/{upload(client, data)}/analyze")
    assert r.status_code == 200, r.text
    return r.json()


def test_capabilities_publish_each_model_file_hash_and_the_demo_provenance(
    hip: TestClient, calibrated_dir: Path
):
    body = hip.get("/v1/capabilities").json()
    assert body["data_provenance"] == "generated_demo"
    models = {m["name"]: m for m in body["models"]}
    for m in models.values():
        assert m["sha256"] == hashlib.sha256((calibrated_dir / m["file"]).read_bytes()).hexdigest()
    assert models["filter"]["sha256"] == models["labeler"]["sha256"] == models["orientation"]["sha256"]
    assert models["seg"]["sha256"] != models["filter"]["sha256"]
    assert models["seg"]["trained_on"] == "axial brain MRI slices"
    assert body["labels"][-1] == "other"


def test_a_known_kind_gets_a_body_part_and_the_anomaly_check_in_plain_words(hip: TestClient) -> None:
    body = analyze(hip, encode(brain_like(blob_on_image_left=True)))
    assert body["medical"] == {"is_medical": True, "confidence": pytest.approx(0.982, abs=0.01),
                               "verdict": "yes", "reason": None}  # fmt: skip
    assert body["body_part"]["name"] == "brain" and body["body_part"]["status"] == "known"
    assert body["kind"]["modality"] == "mri" and body["kind"]["orientation"] == "axial"
    assert body["out_of_distribution"] is False
    assert body["anomaly_check"] == {"task": "segmentation", "ran": True, "reason": None}
    anomaly = body["anomaly"]
    assert anomaly["abnormal"] is True and anomaly["side"] == "right"
    text = anomaly["description"]
    assert "the patient's right side (the left of the picture)" in text
    assert "of the imaged tissue" in text and "px" not in text and "pixel" not in text
    assert anomaly["area_cm2"] is None and 0 < anomaly["brain_share"] < 1


def test_area_is_in_square_centimetres_when_the_dicom_says_the_pixel_spacing(hip: TestClient) -> None:
    pixels = brain_like(blob_on_image_left=False).astype(np.uint16) * 16
    body = analyze(hip, dicom_bytes(pixels, spacing=(0.5, 0.5)))
    anomaly = body["anomaly"]
    lesion_px = int((pixels > 0).sum())  # the blob: 10 x 10 px at 0.5 mm = 0.25 cm²
    assert anomaly["area_cm2"] == pytest.approx(lesion_px * 0.25 / 100, rel=0.25)
    assert f"about {anomaly['area_cm2']:.1f} cm²" in anomaly["description"]
    assert "the patient's left side (the right of the picture)" in anomaly["description"]
    seg = hip.post(f"/v1/images/{upload(hip, dicom_bytes(pixels, spacing=(0.5, 0.5)))}/segment").json()
    assert seg["area_cm2"] == anomaly["area_cm2"] and "cm²" in seg["description"]


def test_unsure_whether_medical_claims_nothing(hip: TestClient) -> None:
    body = analyze(hip, encode(tinted(12)))
    assert body["medical"]["verdict"] == "unsure" and body["medical"]["is_medical"] is False
    unsure = "the models cannot tell whether this is a medical image"
    assert body["medical"]["reason"] == unsure
    assert body["body_part"] == {"name": None, "confidence": None, "status": "unsure", "reason": unsure}
    assert body["label"] is None and body["tasks"] == [] and body["anomaly"] is None
    assert analyze(hip, encode(tinted(60)))["medical"]["verdict"] == "no"


def test_unsure_body_part_gets_null_with_a_reason_and_no_finding(hip: TestClient) -> None:
    body = analyze(hip, encode(gray(0.6)))
    assert body["medical"]["verdict"] == "yes"
    assert body["body_part"]["name"] is None and body["body_part"]["status"] == "unsure"
    assert body["body_part"]["reason"] == "the models are not sure which body part this is"
    assert body["label"] is None and body["tasks"] == [] and body["anomaly"] is None
    assert body["anomaly_check"] is None


def test_out_of_distribution_images_get_no_body_part(hip: TestClient) -> None:
    body = analyze(hip, encode(checkerboard()))
    assert body["out_of_distribution"] is True
    assert body["body_part"]["name"] is None
    assert body["body_part"]["reason"] == "unlike the images the models were trained on"
    assert body["anomaly"] is None


def test_a_body_part_outside_the_classes_is_other_not_forced(hip: TestClient) -> None:
    green = np.stack([gray(0.3)] * 3, axis=-1) + np.array([0, 60, 0], np.uint8)
    body = analyze(hip, encode(green))
    assert body["body_part"]["name"] == "other" and body["body_part"]["status"] == "other"
    assert body["label"] is None and body["tasks"] == [] and body["anomaly"] is None
    r = hip.post(f"/v1/images/{upload(hip, encode(green))}/segment")
    assert r.status_code == 409 and r.json()["error"]["code"] == "task_not_offered"


def test_a_model_never_runs_on_a_kind_it_was_not_trained_on(make_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build_calibrated_bundle(tmp_path / "b", seg_orientations=("coronal",))
    hip = make_client(tmp_path / "b")
    image = encode(brain_like())
    body = analyze(hip, image)
    assert body["body_part"]["name"] == "brain" and body["anomaly"] is None
    check = body["anomaly_check"]
    assert check["task"] == "segmentation" and check["ran"] is False
    assert "trained on axial brain MRI slices only" in check["reason"] and "axial" in check["reason"]
    assert "segmentation" not in body["tasks"]
    r = hip.post(f"/v1/images/{upload(hip, image)}/segment")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_applicable"
    assert "trained on axial brain MRI slices only" in r.json()["error"]["message"]


def test_the_anomaly_checks_outline_serves_segment_without_a_second_run(
    hip: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compute once: /analyze runs the U-Net for its anomaly check; /segment of the same image under the
    same bundle reuses that outline instead of running the model again."""
    from hip_service import analysis

    runs: list[str] = []
    real = analysis.run_segmentation

    def counted(*args: object, **kwargs: object) -> object:
        runs.append("seg")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "run_segmentation", counted)
    image_id = upload(hip, encode(brain_like(blob_on_image_left=True)))
    assert hip.post(f"/v1/images/{image_id}/analyze").json()["anomaly_check"]["ran"] is True
    seg = hip.post(f"/v1/images/{image_id}/segment")
    assert seg.status_code == 200 and seg.json()["side"] == "right"
    assert runs == ["seg"]


def test_a_bundle_without_the_kind_heads_refuses_the_models_that_need_them(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    """A hospital cascade trained on a folder without modality/plane labels ships neither head
    (``Manifest.untrained_heads``): the segmentation model trained on axial brain MRI is then refused
    rather than run on a guess, although the body part is named."""
    from qaid.bundle import read_manifest, write_manifest

    build_calibrated_bundle(tmp_path / "b")
    m = read_manifest(tmp_path / "b")
    why = "not trained: the training folder has no {} labels"
    kept = [e for e in m.models if e.task not in ("modality", "orientation")]
    untrained = {"modality": why.format("modality"), "orientation": why.format("orientation")}
    write_manifest(tmp_path / "b", m.model_copy(update={"models": kept, "untrained_heads": untrained}))
    hip = make_client(tmp_path / "b")
    image = encode(brain_like(blob_on_image_left=True))
    body = analyze(hip, image)
    assert body["body_part"]["name"] == "brain" and body["body_part"]["status"] == "known"
    assert body["kind"] is None and body["anomaly"] is None and "segmentation" not in body["tasks"]
    check = body["anomaly_check"]
    assert check["task"] == "segmentation" and check["ran"] is False
    assert "cannot tell an image's modality or orientation" in check["reason"]
    r = hip.post(f"/v1/images/{upload(hip, image)}/segment")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_applicable"
    # ... and not offered: the hub must not route requests to it that can only be refused
    offers = hip.get("/v1/capabilities").json()["offers"]
    assert "segmentation" not in offers
    assert read_manifest(tmp_path / "b").model_copy(update={"untrained_heads": {}}).offers()["segmentation"]


def test_a_manifest_cannot_name_a_head_untrained_and_ship_it(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from qaid.bundle import Manifest, read_manifest

    build_calibrated_bundle(tmp_path / "b")
    m = read_manifest(tmp_path / "b")
    assert m.by_task("modality") and m.untrained_heads == {}
    with pytest.raises(ValidationError, match="untrained_heads names modality"):
        Manifest.model_validate({**m.model_dump(), "untrained_heads": {"modality": "no labels"}})
