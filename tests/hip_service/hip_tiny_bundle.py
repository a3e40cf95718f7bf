"""A small but REAL model bundle for the HIP tests: tiny torch models exported to ONNX.

The models follow the bundle conventions exactly (names, shapes, shared cascade file, cam_weight)
and are wired by hand so their decisions are predictable from the image:

* cascade: a colourful image (red/blue differ) is ``non_medical``; a grey image is medical, labelled
  ``chest`` when mostly bright and ``brain`` when mostly dark;
* segmentation: the mask is "bright pixels" (intensity > 0.5);
* VQA: "...abnormal..." -> "yes", "...side..." -> "right", anything else -> whatever the weights say.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from qaid.bundle import BODY_PARTS, InputSpec, Manifest, ModelEntry, Provenance, write_manifest

SIZE = 32
SPEC = InputSpec(size=SIZE, channels=3, mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5])
VOCAB = ["<pad>", "<unk>", "is", "this", "image", "abnormal", "which", "side", "lesion", "on", "the", "what"]
MAX_Q = 12
ANSWERS = ["yes", "no", "left", "right", "both", "brain", "chest", "tumour"]
ANSWER_TYPES = ["closed", "closed", "closed", "closed", "closed", "open", "open", "open"]
FEATURES = 8


class TinyCascade(nn.Module):
    """Backbone (one conv) -> features; GAP -> linear filter and labeler heads."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, FEATURES, 3, stride=2, padding=1)
        self.filter_head = nn.Linear(FEATURES, 2)
        self.labeler_head = nn.Linear(FEATURES, len(BODY_PARTS))
        with torch.no_grad():
            w = torch.zeros_like(self.conv.weight)
            w[0, :, 1, 1] = torch.tensor([1.0, 0.0, -1.0])  # red minus blue
            w[1, :, 1, 1] = torch.tensor([-1.0, 0.0, 1.0])  # blue minus red
            w[2, :, 1, 1] = 1.0 / 3.0  # brightness
            w[3:] = 0.05 * torch.randn_like(w[3:])
            self.conv.weight.copy_(w)
            self.conv.bias.zero_()
            self.filter_head.weight.zero_()
            self.filter_head.weight[1, 0] = self.filter_head.weight[1, 1] = 10.0
            self.filter_head.bias.copy_(torch.tensor([1.0, 0.0]))
            self.labeler_head.weight.copy_(0.01 * torch.randn_like(self.labeler_head.weight))
            self.labeler_head.weight[BODY_PARTS.index("chest"), 2] = 10.0
            self.labeler_head.bias.zero_()
            self.labeler_head.bias[BODY_PARTS.index("brain")] = 2.0

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        features = torch.relu(self.conv(image))
        pooled = features.mean(dim=(2, 3))
        return self.filter_head(pooled), self.labeler_head(pooled), features


class TinySegmenter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 1)
        with torch.no_grad():
            self.conv.weight.fill_(10.0 / 3.0)
            self.conv.bias.zero_()

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.conv(image))


class TinyVqa(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(1)
        self.conv = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.embed = nn.Embedding(len(VOCAB), 6, padding_idx=0)
        self.head = nn.Linear(10, len(ANSWERS))
        with torch.no_grad():
            self.embed.weight[:, 4:] = 0.0
            self.embed.weight[VOCAB.index("abnormal"), 4] = 1.0
            self.embed.weight[VOCAB.index("side"), 5] = 1.0
            self.embed.weight[0] = 0.0
            self.head.weight.mul_(0.1)
            self.head.weight[:, 8:] = 0.0
            self.head.weight[ANSWERS.index("yes"), 8] = 20.0 * MAX_Q
            self.head.weight[ANSWERS.index("right"), 9] = 40.0 * MAX_Q

    def forward(self, image: torch.Tensor, question: torch.Tensor) -> torch.Tensor:
        img = torch.relu(self.conv(image)).mean(dim=(2, 3))
        txt = self.embed(question).mean(dim=1)
        return self.head(torch.cat([img, txt], dim=1))


def _export(model: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str]) -> str:
    axes = {name: {0: "N"} for name in inputs + outputs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model.eval(), args, str(path), input_names=inputs, output_names=outputs,
            dynamic_axes=axes, dynamo=False,
        )  # fmt: skip
    return hashlib.sha256(path.read_bytes()).hexdigest()


PROVENANCE = Provenance(training_run="tests", data="synthetic", created_at="2025-01-01T00:00:00Z")


def build_bundle(
    directory: Path, *, version: str = "1.0.0", vqa_topics: list[str] | None = None, seg: bool = True
) -> Manifest:
    """Export the tiny models into ``directory`` and write their manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    image = torch.zeros(1, 3, SIZE, SIZE)
    cas = _export(TinyCascade(), (image,), directory / "cascade.onnx", ["image"],
                  ["filter_logits", "labeler_logits", "features"])  # fmt: skip
    common = {
        "version": "c-1",
        "file": "cascade.onnx",
        "sha256": cas,
        "input": SPEC,
        "provenance": PROVENANCE,
    }
    models = [
        ModelEntry(name="filter", task="filter", labels=["medical", "non_medical"],
                   cam_weight="filter_head.weight",
                   outputs={"logits": "filter_logits", "features": "features"}, **common),
        ModelEntry(name="labeler", task="labeler", labels=list(BODY_PARTS), cam_weight="labeler_head.weight",
                   outputs={"logits": "labeler_logits", "features": "features"}, **common),
    ]  # fmt: skip
    if seg:
        sha = _export(TinySegmenter(), (image,), directory / "segmentation.onnx", ["image"], ["mask"])
        models.append(ModelEntry(name="seg", task="segmentation", version="s-1", file="segmentation.onnx",
                                 sha256=sha, input=SPEC, outputs={"mask": "mask"}, topics=["brain_mri"],
                                 provenance=PROVENANCE))  # fmt: skip
    topics = ["brain_mri", "chest_xray"] if vqa_topics is None else vqa_topics
    if topics:
        q = torch.zeros(1, MAX_Q, dtype=torch.int64)
        sha = _export(TinyVqa(), (image, q), directory / "vqa.onnx", ["image", "question"], ["answer_logits"])
        models.append(ModelEntry(
            name="vqa", task="vqa", version="v-1", file="vqa.onnx", sha256=sha, input=SPEC,
            inputs={"image": "image", "question": "question"}, outputs={"logits": "answer_logits"},
            answers=ANSWERS, answer_types=ANSWER_TYPES, question_vocab=VOCAB, max_question_len=MAX_Q,
            topics=topics, provenance=PROVENANCE,
        ))  # fmt: skip
    manifest = Manifest(hip_id="testhip", hip_name="Test Hospital", bundle_version=version,
                        created_at="2025-01-01T00:00:00Z", models=models)  # fmt: skip
    write_manifest(directory, manifest)
    return manifest


def gray(value: float, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    """A grey uint8 image (H, W) of one intensity in [0, 1]."""
    return np.full((size[1], size[0]), int(round(value * 255)), dtype=np.uint8)


def brain_like(size: tuple[int, int] = (64, 64), blob_on_image_left: bool = True) -> np.ndarray:
    """Dark image with one small bright blob (-> medical, brain, a lesion on one side)."""
    arr = np.zeros((size[1], size[0]), dtype=np.uint8)
    h, w = arr.shape
    x0 = w // 8 if blob_on_image_left else w - w // 8 - w // 6
    arr[h // 3 : h // 3 + h // 6, x0 : x0 + w // 6] = 255
    return arr
