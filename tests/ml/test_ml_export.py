"""ONNX export keeps the names, shapes and head initializers the HIP relies on, and matches torch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from ml.export import export_cascade, export_segmentation, export_vqa, head_initializer, parity
from ml.models import Cascade, UNet, VQANet


def _io(path: Path) -> tuple[list[str], list[str]]:
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return [i.name for i in s.get_inputs()], [o.name for o in s.get_outputs()]


def test_cascade_export_parity_and_cam_initializers(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = Cascade(11, (1, 1, 1, 1)).eval()
    path = tmp_path / "cascade.onnx"
    heads = export_cascade(model, path, 64)
    assert _io(path) == (["image"], ["filter_logits", "labeler_logits", "features"])
    inits = {i.name: tuple(i.dims) for i in onnx.load(str(path)).graph.initializer}
    channels = model.filter_head.in_features
    assert inits[heads["filter"]] == (2, channels) and inits[heads["labeler"]] == (11, channels)
    x = np.random.default_rng(0).normal(size=(3, 3, 64, 64)).astype(np.float32)
    assert parity(model, path, {"image": x}) < 1e-3
    # CAM is exact: logits == head(mean(features)) with the exported weight
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    f_logits, _, feats = s.run(None, {"image": x})
    w = onnx.numpy_helper.to_array(
        next(i for i in onnx.load(str(path)).graph.initializer if i.name == heads["filter"])
    )
    cam_logits = feats.mean(axis=(2, 3)) @ w.T + model.filter_head.bias.detach().numpy()
    np.testing.assert_allclose(cam_logits, f_logits, atol=1e-4)


def test_segmentation_and_vqa_export_parity(tmp_path: Path) -> None:
    torch.manual_seed(0)
    unet, vqa = UNet(3, 1, 4).eval(), VQANet(30, 14, 8).eval()
    x = np.random.default_rng(1).normal(size=(2, 3, 32, 32)).astype(np.float32)
    seg = export_segmentation(unet, tmp_path / "segmentation.onnx", 32)
    assert _io(seg) == (["image"], ["mask"])
    assert parity(unet, seg, {"image": x}) < 1e-4
    q = np.array([[5, 6, 7, 0, 0, 0], [2, 3, 0, 0, 0, 0]], dtype=np.int64)
    vqa_path = export_vqa(vqa, tmp_path / "vqa.onnx", 32, 6)
    assert _io(vqa_path) == (["image", "question"], ["answer_logits"])
    assert parity(vqa, vqa_path, {"image": x, "question": q}) < 1e-4


def test_head_initializer_refuses_a_missing_weight(tmp_path: Path) -> None:
    model = Cascade(11, (1, 1, 1, 1)).eval()
    path = tmp_path / "c.onnx"
    export_cascade(model, path, 32)
    with pytest.raises(RuntimeError):
        head_initializer(path, torch.ones(2, model.filter_head.in_features))
