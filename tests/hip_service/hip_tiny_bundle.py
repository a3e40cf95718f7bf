"""A small but REAL model bundle for the HIP tests: tiny torch models exported to ONNX.

The models follow the bundle conventions exactly (names, shapes, shared cascade file, cam_weight)
and are wired by hand so their decisions are predictable from the image:

* cascade: a colourful image (red/blue differ) is ``non_medical``; a grey image is medical, labelled
  ``chest`` when mostly bright and ``brain`` when mostly dark;
* segmentation: the mask is "bright pixels" (intensity > 0.5);
* VQA: "...abnormal..." -> "yes", "...side..." -> "right", anything else -> whatever the weights say;
  it declares three question types (``QUESTION_TYPES``), so the HIP answers nothing else.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ml.bundle_writer import cascade_net_entries
from qaid.bundle import (
    BODY_PARTS,
    LABELS,
    MODALITIES,
    ORIENTATIONS,
    Calibration,
    InputSpec,
    Manifest,
    ModelEntry,
    Provenance,
    QuestionType,
    TrainedOn,
    write_manifest,
)

SIZE = 32
SPEC = InputSpec(size=SIZE, channels=3, mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5])
VOCAB = ["<pad>", "<unk>", "is", "this", "image", "abnormal", "which", "side", "lesion", "on", "the", "what"]
MAX_Q = 12
ANSWERS = ["yes", "no", "left", "right", "both", "brain", "chest", "tumour"]
ANSWER_TYPES = ["closed", "closed", "closed", "closed", "closed", "open", "open", "open"]
FEATURES = 8
# "organ" is asked with a "side" word on purpose: the raw model answers "right", the type allows
# only brain/chest -- the HIP must answer within the type.
QUESTION_TYPES = [
    QuestionType(id="abnormal", question="is this image abnormal?", answer_type="closed",
                 answers=["yes", "no"], phrasings=["is this image abnormal?", "is this abnormal?"]),
    QuestionType(id="side", question="which side is the lesion on?", answer_type="open",
                 answers=["left", "right", "both"], phrasings=["which side is the lesion on?"]),
    QuestionType(id="organ", question="what is on this side?", answer_type="open",
                 answers=["brain", "chest"], phrasings=["what is on this side?"]),
]  # fmt: skip


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
    directory: Path,
    *,
    version: str = "1.0.0",
    vqa_topics: list[str] | None = None,
    seg: bool = True,
    question_types: bool = True,
) -> Manifest:
    """Export the tiny models into ``directory`` and write their manifest (``question_types=False``:
    a VQA entry as written before bundles declared them)."""
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
            topics=topics, provenance=PROVENANCE, question_types=QUESTION_TYPES if question_types else [],
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


# --- A calibrated bundle: four heads, an OOD output, abstain thresholds and trained_on gates --------
#
# TinyCascadeV2 is wired so each abstention has an image that triggers it (see the tests):
#   colour (red vs blue)   -> non_medical; a faint colour cast (r - b = 12) -> medical "unsure"
#   brightness             -> chest, dark -> brain; mid-grey 0.6 -> chest/brain tie -> body part unsure
#   greenness              -> "other"
#   a 1-px checkerboard    -> large OOD distance -> body part unsure, "unlike the training images"
# modality is always "mri" and orientation always "axial".

OOD_GROUPS = [*LABELS, "non_medical", "brain_mri_demo", "chest_xray_demo"]
V2_FEATURES = 8


class TinyCascadeV2(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, V2_FEATURES, 3, stride=2, padding=1)
        self.filter_head = nn.Linear(V2_FEATURES, 2)
        self.labeler_head = nn.Linear(V2_FEATURES, len(LABELS))
        self.modality_head = nn.Linear(V2_FEATURES, len(MODALITIES))
        self.orientation_head = nn.Linear(V2_FEATURES, len(ORIENTATIONS))
        lap = torch.tensor([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]]) / 3.0
        with torch.no_grad():
            w = torch.zeros_like(self.conv.weight)
            w[0, :, 1, 1] = torch.tensor([1.0, 0.0, -1.0])  # red minus blue
            w[1, :, 1, 1] = torch.tensor([-1.0, 0.0, 1.0])  # blue minus red
            w[2, :, 1, 1] = 1.0 / 3.0  # brightness
            w[3, :, 1, 1] = torch.tensor([-0.5, 1.0, -0.5])  # greenness
            w[4] = lap  # texture (+)
            w[5] = -lap  # texture (-)
            self.conv.weight.copy_(w)
            self.conv.bias.zero_()
            for head in (self.filter_head, self.labeler_head, self.modality_head, self.orientation_head):
                head.weight.zero_()
                head.bias.zero_()
            self.filter_head.weight[1, 0] = self.filter_head.weight[1, 1] = 10.0
            self.filter_head.bias[0] = 1.0
            self.labeler_head.weight[LABELS.index("chest"), 2] = 30.0
            self.labeler_head.bias[LABELS.index("brain")] = 6.0
            self.labeler_head.weight[LABELS.index("other"), 3] = 60.0
            self.modality_head.bias[MODALITIES.index("mri")] = 5.0
            self.orientation_head.bias[ORIENTATIONS.index("axial")] = 5.0

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
        features = torch.relu(self.conv(image))
        pooled = features.mean(dim=(2, 3))
        # texture is far from every group; brain_mri_demo (the segmentation domain) is the nearest one
        offset = torch.ones(len(OOD_GROUPS))
        offset[OOD_GROUPS.index("brain_mri_demo")] = 0.0
        ood = 4.0 * (pooled[:, 4:5] + pooled[:, 5:6]) + offset
        return (self.filter_head(pooled), self.labeler_head(pooled), self.modality_head(pooled),
                self.orientation_head(pooled), features, ood)  # fmt: skip


CALIBRATION = {
    "filter": Calibration(temperature=0.25, min_confidence=0.9, chosen_on="tests"),
    "labeler": Calibration(temperature=1.0, min_confidence=0.8, max_ood=2.0, chosen_on="tests"),
    "modality": Calibration(min_confidence=0.5),
    "orientation": Calibration(min_confidence=0.5),
}


def build_calibrated_bundle(directory: Path, *, seg_orientations: tuple[str, ...] = ("axial",)) -> Manifest:
    """A v2 bundle: the calibrated cascade, segmentation trained on ``seg_orientations`` brain MRI, VQA."""
    directory.mkdir(parents=True, exist_ok=True)
    image = torch.zeros(1, 3, SIZE, SIZE)
    outputs = ["filter_logits", "labeler_logits", "modality_logits", "orientation_logits", "features", "ood"]
    _export(TinyCascadeV2(), (image,), directory / "cascade.onnx", ["image"], outputs)
    # the entries as the real bundle writer makes them, so the HIP is tested on what it is shipped
    heads = {"filter": "filter_head.weight", "labeler": "labeler_head.weight"}
    models = cascade_net_entries(
        directory / "cascade.onnx", "c-2", SPEC, heads, PROVENANCE, CALIBRATION, OOD_GROUPS
    )
    seg_on = TrainedOn(
        labels=["brain"],
        modalities=["mri"],
        orientations=list(seg_orientations),
        max_ood={"brain_mri_demo": 2.0},
        description="axial brain MRI slices",
    )
    sha = _export(TinySegmenter(), (image,), directory / "segmentation.onnx", ["image"], ["mask"])
    models.append(
        ModelEntry(
            name="seg",
            task="segmentation",
            version="s-2",
            file="segmentation.onnx",
            sha256=sha,
            input=SPEC,
            outputs={"mask": "mask"},
            topics=["brain_mri"],
            provenance=PROVENANCE,
            trained_on=seg_on,
        )
    )
    manifest = Manifest(
        hip_id="testhip2",
        hip_name="Calibrated Test Hospital",
        bundle_version="2.0.0",
        created_at="2025-01-01T00:00:00Z",
        models=models,
        data_provenance="generated_demo",
    )
    write_manifest(directory, manifest)
    return manifest


def tinted(r_minus_b: int, value: int = 90, size: tuple[int, int] = (64, 64)) -> np.ndarray:
    """A dark RGB image with a colour cast: red channel ``r_minus_b`` above the blue one."""
    arr = np.full((size[1], size[0], 3), value, dtype=np.int16)
    arr[..., 0] += r_minus_b // 2
    arr[..., 2] -= r_minus_b - r_minus_b // 2
    return np.clip(arr, 0, 255).astype(np.uint8)


def checkerboard(size: int = 2 * SIZE) -> np.ndarray:
    """2-px cells: 1-px cells at the model's input size, the texture the OOD channel measures."""
    yy, xx = np.mgrid[:size, :size]
    return (((yy // 2 + xx // 2) % 2) * 255).astype(np.uint8)
