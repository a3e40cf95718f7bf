"""Bundle validation (refuse to start on any problem), the CLI, and ONNX-vs-torch parity."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
from hip_helpers import TOKEN
from hip_tiny_bundle import MAX_Q, SIZE, SPEC, TinyCascade, TinySegmenter, TinyVqa, brain_like
from PIL import Image

from hip_service.bundle_loader import BundleError, load_bundle
from hip_service.inference import class_activation_map, count_components, patient_side
from qaid.imaging import to_input

REPO = Path(__file__).resolve().parents[2]


def edit_manifest(directory: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = directory / "manifest.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def model(data: dict, name: str) -> dict:
    return next(m for m in data["models"] if m["name"] == name)


def refuses(directory: Path, *fragments: str) -> str:
    with pytest.raises(BundleError) as info:
        load_bundle(directory)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_valid_bundle_loads_with_one_shared_cascade_session(bundle_dir: Path) -> None:
    b = load_bundle(bundle_dir)
    assert b.version == "1.0.0"
    assert b.models["filter"].session is b.models["labeler"].session
    assert b.models["labeler"].cam_weight.shape == (11, 8)
    assert b.tasks_for("brain_mri") == ["vqa", "segmentation"] and b.tasks_for("heart_ct") == []


def test_missing_file(bundle_copy: Path) -> None:
    (bundle_copy / "segmentation.onnx").unlink()
    refuses(bundle_copy, "seg: file segmentation.onnx is missing")


def test_wrong_hash(bundle_copy: Path) -> None:
    with (bundle_copy / "vqa.onnx").open("ab") as f:
        f.write(b"tampered")
    refuses(bundle_copy, "vqa.onnx: sha256 is", "vqa")


def test_wrong_input_size(bundle_copy: Path) -> None:
    def change(d: dict) -> None:
        model(d, "seg")["input"]["size"] = 64

    edit_manifest(bundle_copy, change)
    refuses(bundle_copy, "seg: input 'image' has shape", "[N,3,64,64]")


def test_wrong_label_count_and_missing_cam_weight(bundle_copy: Path) -> None:
    def change(d: dict) -> None:
        model(d, "labeler")["labels"] = model(d, "labeler")["labels"][:10]
        model(d, "filter")["cam_weight"] = "no_such_initializer"

    edit_manifest(bundle_copy, change)
    message = refuses(bundle_copy, "labeler: output 'labeler_logits' has shape [1, 11], expected [1, 10]")
    assert "cam_weight 'no_such_initializer' is not an initializer" in message  # every problem, one message


def test_wrong_output_and_question_length(bundle_copy: Path) -> None:
    def change(d: dict) -> None:
        model(d, "vqa")["outputs"] = {"logits": "answers"}
        model(d, "vqa")["max_question_len"] = MAX_Q + 1

    edit_manifest(bundle_copy, change)
    refuses(bundle_copy, "has no output 'answers'", f"manifest says [N,{MAX_Q + 1}]")


def test_file_outside_the_bundle_and_bad_schema(bundle_copy: Path) -> None:
    edit_manifest(bundle_copy, lambda d: model(d, "seg").update(file="../segmentation.onnx"))
    refuses(bundle_copy, "outside the bundle directory")
    edit_manifest(bundle_copy, lambda d: d.pop("models"))
    refuses(bundle_copy, "invalid manifest", "models")
    (bundle_copy / "manifest.json").write_text("{ not json")
    refuses(bundle_copy, "invalid manifest")
    (bundle_copy / "manifest.json").unlink()
    refuses(bundle_copy, "no manifest.json")


def test_cli_refuses_a_broken_bundle_with_one_message(bundle_copy: Path) -> None:
    (bundle_copy / "vqa.onnx").write_bytes(b"garbage")
    env = {**os.environ, "QAID_HIP_TOKEN": TOKEN}
    proc = subprocess.run(
        [sys.executable, "-m", "hip_service", "--bundle", str(bundle_copy), "--port", "1"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "refusing to start" in proc.stderr and "vqa.onnx: sha256 is" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_refuses_without_token(bundle_dir: Path) -> None:
    env = {**os.environ, "QAID_HIP_TOKEN": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "hip_service", "--bundle", str(bundle_dir), "--port", "1"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and "QAID_HIP_TOKEN" in proc.stderr


def _onnx(path: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_onnx_matches_torch(bundle_dir: Path) -> None:
    rng = np.random.default_rng(0)
    image = rng.normal(size=(2, 3, SIZE, SIZE)).astype(np.float32)
    question = rng.integers(0, 12, size=(2, MAX_Q)).astype(np.int64)
    with torch.no_grad():
        expected_cascade = [t.numpy() for t in TinyCascade()(torch.from_numpy(image))]
        expected_mask = TinySegmenter()(torch.from_numpy(image)).numpy()
        expected_vqa = TinyVqa()(torch.from_numpy(image), torch.from_numpy(question)).numpy()
    got = _onnx(bundle_dir / "cascade.onnx").run(None, {"image": image})
    for a, b in zip(got, expected_cascade, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_onnx(bundle_dir / "segmentation.onnx").run(None, {"image": image})[0],
                               expected_mask, rtol=1e-4, atol=1e-5)  # fmt: skip
    got_vqa = _onnx(bundle_dir / "vqa.onnx").run(None, {"image": image, "question": question})[0]
    np.testing.assert_allclose(got_vqa, expected_vqa, rtol=1e-4, atol=1e-4)


def test_cam_is_exact_for_a_linear_head_over_pooled_features(bundle_dir: Path) -> None:
    b = load_bundle(bundle_dir)
    img = Image.fromarray(brain_like())
    cam, label = class_activation_map(b, img)
    net = TinyCascade()
    with torch.no_grad():
        _, logits, _ = net(torch.from_numpy(to_input(img, SPEC)[None]))
    cls = int(logits.argmax())
    assert label == "brain" and cam.shape == (SIZE // 2, SIZE // 2)
    # mean over space of W[c] . features == logit[c] - bias[c]
    expected = float(logits[0, cls] - net.labeler_head.bias[cls])
    assert float(cam.mean()) == pytest.approx(expected, rel=1e-4, abs=1e-5)


def test_side_and_components_helpers() -> None:
    mask = np.zeros((10, 10), bool)
    assert patient_side(mask) is None and count_components(mask) == 0
    mask[2:4, 0:2] = True  # image left
    assert patient_side(mask) == "right" and count_components(mask) == 1
    mask[6:8, 8:10] = True  # image right, same size
    assert patient_side(mask) == "both" and count_components(mask) == 2
    diag = np.eye(5, dtype=bool)  # 8-connected: one component
    assert count_components(diag) == 1
    ring = np.ones((5, 5), bool)
    ring[1:4, 1:4] = False
    assert count_components(ring) == 1
    u = np.zeros((4, 5), bool)
    u[:, 0] = u[:, 4] = u[3, :] = True  # two arms that join at the bottom
    assert count_components(u) == 1
