"""Whether a message is an image question when the classifier read it otherwise: a long message whose
question sentence asks about the image, or a message the classifier was unsure of that asks a question a
model was trained for. Used by ``red_flags.decide``; the reading of the question itself is
``question_types``.
"""

from __future__ import annotations

import re

from .question_types import _IMAGE, _QUESTION_START, _strip_lead, normalise, question_parts, understand

__all__ = ["asks_about_the_image", "asks_whether_it_is_there", "poses_a_question"]

_NAMES_IMAGE = re.compile(rf"\b(?:{_IMAGE}|lesions?|nodules?)\b")


def asks_about_the_image(text: str) -> bool:
    """Whether ``text`` holds a supported image question that names the image or a finding in the
    sentence that asks it ("... I can't sleep. Is there a lesion on it?"), so that the symptoms or
    worry told before it are context, not the request."""
    return bool(understand(text).types) and any(_NAMES_IMAGE.search(p) for p in question_parts(text))


# whether a finding is there ("is there a nodule?", "any lesions?"), not what it is ("what is a nodule?")
_PRESENCE = re.compile(
    r"\b(?:is there|are there|any|do i have|does (?:it|this|the \w+) (?:show|have)|can you see|do you see)\b"
)


def asks_whether_it_is_there(text: str) -> bool:
    """An image question that asks whether a finding is there: the classifier may read "is there a
    nodule?" as a definition (it has learnt "nodule" from definition questions), but it asks the models."""
    return asks_about_the_image(text) and any(_PRESENCE.search(p) for p in question_parts(text))


# asking for a mark on the image is a segmentation request, whatever finding it names
_MARK_REQUEST = re.compile(r"\b(?:mark(?:ed)?|outlin\w*|highlight\w*|circl\w*|draw\w*|trace|shade)\b")


def poses_a_question(text: str) -> bool:
    """Whether a sentence of ``text`` asks something (a question mark, or a question word first) and
    none asks for a mark on the image: "that's wrong" or "I'll send two images, the front and the
    side" name a type's word but ask nothing."""
    norm = normalise(text)
    if _MARK_REQUEST.search(norm):
        return False
    return "?" in norm or any(
        _QUESTION_START.search(_strip_lead(s.strip())) for s in re.split(r"[.!;,\n]+", norm)
    )
