"""ONNX export of the demo models with the exact input/output names the HIP service relies on.

Uses torch's TorchScript-based exporter (``dynamo=False``): it needs no extra package
(the dynamo path needs ``onnxscript``), handles the GRU, keeps ``Linear`` weights as named
initializers (exported as ``Gemm`` with ``transB=1``, so the head weights keep their [classes, C]
shape for class-activation maps) and supports a dynamic batch axis. Every export is checked
against torch with ONNX Runtime on real inputs at two batch sizes.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from ml.models import Cascade, CascadeHeads, UNet, VQANet

OPSET = 17
PARITY_ATOL = 1e-3


def _export(
    model: nn.Module, args: tuple[torch.Tensor, ...], path: Path, inputs: list[str], outputs: list[str]
) -> Path:
    model.eval()
    dynamic = {name: {0: "batch"} for name in inputs + outputs}
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter announces its deprecation
        torch.onnx.export(
            model,
            args,
            str(path),
            dynamo=False,
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=dynamic,
            opset_version=OPSET,
            do_constant_folding=True,
        )
    onnx.checker.check_model(onnx.load(str(path)))
    return path


CASCADE_NET_OUTPUTS = ["filter_logits", "labeler_logits", "modality_logits", "orientation_logits", "features",
                       "ood"]  # fmt: skip


def export_cascade(model: Cascade | CascadeHeads, path: Path, size: int) -> dict[str, str]:
    """Write ``cascade.onnx``; returns {"filter": initializer, "labeler": initializer} of head weights."""
    outputs = CASCADE_NET_OUTPUTS if isinstance(model, CascadeHeads) else ["filter_logits", "labeler_logits",
                                                                          "features"]  # fmt: skip
    _export(model, (torch.zeros(2, 3, size, size),), path, ["image"], outputs)
    return {
        "filter": head_initializer(path, model.filter_head.weight),
        "labeler": head_initializer(path, model.labeler_head.weight),
    }


def head_initializer(path: Path, weight: torch.Tensor) -> str:
    """Name of the initializer in ``path`` that holds exactly ``weight`` (same shape and values)."""
    target = weight.detach().numpy()
    for init in onnx.load(str(path)).graph.initializer:
        if tuple(init.dims) == target.shape:
            arr = onnx.numpy_helper.to_array(init)
            if np.array_equal(arr, target):
                return init.name
    raise RuntimeError(f"{path.name}: no initializer holds the head weight {target.shape}")


def export_segmentation(model: UNet, path: Path, size: int) -> Path:
    return _export(model, (torch.zeros(2, 3, size, size),), path, ["image"], ["mask"])


def export_vqa(model: VQANet, path: Path, size: int, max_len: int) -> Path:
    args = (torch.zeros(2, 3, size, size), torch.ones(2, max_len, dtype=torch.long))
    return _export(model, args, path, ["image", "question"], ["answer_logits"])


@torch.no_grad()
def parity(model: nn.Module, path: Path, feeds: dict[str, np.ndarray]) -> float:
    """Max |torch - onnxruntime| / max(1, |torch|) over all outputs, at the full batch and at batch 1.

    Absolute below 1, relative above: the cascade's OOD distances run into the hundreds, where
    float32 alone differs in the fourth decimal.
    """
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for cut in (None, 1):
        batch = {k: v[:cut] for k, v in feeds.items()}
        expected = model(*(torch.from_numpy(v) for v in batch.values()))
        expected = expected if isinstance(expected, tuple) else (expected,)
        got = session.run(None, batch)
        for e, g in zip(expected, got, strict=True):
            assert tuple(e.shape) == g.shape, f"{path.name}: shape {g.shape} != {tuple(e.shape)}"
            scale = np.maximum(1.0, np.abs(e.numpy()))
            worst = max(worst, float(np.max(np.abs(e.numpy() - g) / scale)))
    if worst > PARITY_ATOL:
        raise AssertionError(f"{path.name}: ONNX Runtime differs from torch by {worst:.2e}")
    return worst


def export_and_check(
    task: str, model: nn.Module, path: Path, feeds: dict[str, np.ndarray], max_len: int = 0
) -> tuple[dict[str, str], float]:
    """Export one task's model and check it on ``feeds``; returns (CAM head initializers, parity).

    ``feeds`` are real preprocessed inputs ({"image": ...} plus "question" for VQA): parity on
    zeros would miss numerically sensitive paths.
    """
    size = feeds["image"].shape[-1]
    heads: dict[str, str] = {}
    if task == "cascade":
        heads = export_cascade(model, path, size)  # type: ignore[arg-type]
    elif task == "segmentation":
        export_segmentation(model, path, size)  # type: ignore[arg-type]
    elif task == "vqa":
        export_vqa(model, path, size, max_len)  # type: ignore[arg-type]
    else:
        raise ValueError(f"unknown task {task!r}")
    return heads, parity(model, path, feeds)
