"""The domain's names shared across processes: tasks, body parts, topics, sides, finding kinds.

A topic is a body part with the modality its models were trained on (``brain_mri``): a hospital
offers tasks per topic, and the bot only asks a hospital what it offers for that kind of image.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "Task",
    "TASKS",
    "BODY_PARTS",
    "DEFAULT_LABEL_TOPICS",
    "Side",
    "SIDES",
    "ImageHalf",
    "patient_side",
    "FindingKind",
    "FINDING_KINDS",
    "Urgency",
    "AnswerType",
    "ImageFormat",
]

Task = Literal["filter", "labeler", "vqa", "segmentation"]
TASKS: tuple[Task, ...] = get_args(Task)

# The original Q&Aid labeler's classes, in output order.
BODY_PARTS: tuple[str, ...] = (
    "brain", "chest", "breast", "eyes", "heart", "elbow",
    "forearm", "hand", "humerus", "shoulder", "wrist",
)  # fmt: skip

# The topic (body part + the modality the demo data uses for it) each label maps to by default.
DEFAULT_LABEL_TOPICS: dict[str, str] = {
    "brain": "brain_mri",
    "chest": "chest_xray",
    "breast": "breast_mammography",
    "eyes": "eyes_fundus",
    "heart": "heart_ct",
    "elbow": "elbow_xray",
    "forearm": "forearm_xray",
    "hand": "hand_xray",
    "humerus": "humerus_xray",
    "shoulder": "shoulder_xray",
    "wrist": "wrist_xray",
}

# Sides are always the PATIENT's, never the picture's.
Side = Literal["left", "right", "both"]
SIDES: tuple[Side, ...] = get_args(Side)
ImageHalf = Literal["left", "right"]


def patient_side(image_half: ImageHalf) -> Side:
    """The patient's side shown in one half of the image.

    Radiological convention (axial and coronal images, and radiographs viewed as the patient faces
    the viewer): the image's left half shows the patient's RIGHT side. Models, the HIP and the bot
    all speak of the patient's side, so a patient is told "your left", never "the picture's left".
    """
    return "right" if image_half == "left" else "left"


FindingKind = Literal["analyze", "vqa", "segment"]
FINDING_KINDS: tuple[FindingKind, ...] = get_args(FindingKind)
Urgency = Literal["routine", "urgent"]
AnswerType = Literal["closed", "open"]
ImageFormat = Literal["png", "jpeg", "dicom"]
