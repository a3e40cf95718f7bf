"""What the bot can offer to answer about an image, in plain words: the question types a hospital's
models answer, the VQA question each type is asked as when a hospital declares none, and the sentence
that lists what can be checked ("whether there is a lesion, how many and on which side").

Why apart from ``question_types``: that module reads what a patient asks; this one says what the
models can answer, for the replies (``actions/questions.py``) and for the rules' "no nearby hospital's
model was trained for it".
"""

from __future__ import annotations

__all__ = ["CAN_TELL", "FALLBACK_TYPES", "what_i_can_tell"]

# The demo VQA's types, used only for a hospital whose capabilities declare none (HIPs before the
# bundle published its question types); a declared list always wins.
FALLBACK_TYPES: dict[str, str] = {
    "lesion": "is there a lesion?",
    "abnormal": "is this image abnormal?",
    "normal": "is this image normal?",
    "is_brain": "is this a brain mri?",
    "is_chest": "is this a chest x-ray?",
    "side": "which side is the lesion on?",
    "count": "how many lesions?",
    "organ": "what organ is shown?",
    "modality": "what modality is this?",
}

# What each type lets the bot promise, in plain words ("I can check whether there is a lesion, ...").
CAN_TELL: dict[str, str] = {
    "lesion": "whether there is a lesion",
    "count": "how many lesions there are",
    "side": "on which side a lesion is",
    "abnormal": "whether anything looks abnormal",
    "normal": "whether the image looks normal",
    "organ": "which body part the image shows",
    "modality": "what kind of scan it is",
    "is_brain": "whether it is a brain scan",
    "is_chest": "whether it is a chest X-ray",
}


def what_i_can_tell(offered: list[str]) -> str:
    """ "whether there is a lesion, how many and on which side, and whether anything looks abnormal"."""
    groups: list[str] = []
    lesion = [t for t in ("lesion", "count", "side") if t in offered]
    if lesion == ["lesion", "count", "side"]:
        groups.append("whether there is a lesion, how many and on which side")
    elif lesion[:1] == ["lesion"]:
        rest = {"count": "how many", "side": "on which side"}
        groups.append(" and ".join(["whether there is a lesion", *(rest[t] for t in lesion[1:])]))
    else:
        groups += [CAN_TELL[t] for t in lesion]
    if "abnormal" in offered or "normal" in offered:
        groups.append(CAN_TELL["abnormal"])
    what = [t for t in ("organ", "is_brain", "is_chest") if t in offered]
    if what and "modality" in offered:
        groups.append("which body part the image shows and what kind of scan it is")
    elif what:
        groups.append(CAN_TELL["organ"])
    elif "modality" in offered:
        groups.append(CAN_TELL["modality"])
    if len(groups) <= 1:
        return "".join(groups)
    return "; ".join(groups[:-1]) + "; and " + groups[-1]
