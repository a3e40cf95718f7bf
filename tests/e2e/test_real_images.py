"""Real scans and photos the demo models never trained on, through the whole network (issue 14).

The images come from the real-image evaluation set (``ml.real_eval build``: scans and photos that
ship inside installed packages, held out from training by source). The models may be unsure about
them, and the bot must then say so; what may never happen is a confident wrong answer: a photo
given a body part, a normal head MRI given a lesion, a head scan called another body part. The
demo bundles say they were trained on generated data and name the pretrained backbone their
cascades share, so the chat says both, once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from demo.faults import Patient
from ml.real_eval import build
from qaid.config import Settings
from qaid_contracts import binding

# "This looks like a medical image: a brain MRI (...)" -> "brain"
NAMED = re.compile(r"medical image: an? ([a-z]+) ", re.I)
CLAIMS = ("possible abnormality", "lesion was outlined", "flag a possible")
ABSTAINED = ("can't tell", "doesn't look like a medical image", "don't cover")


@pytest.fixture(scope="module")
def real_images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """source name -> the first eval image of that source (never trained, tuned or calibrated on)."""
    out = tmp_path_factory.mktemp("real-eval")
    manifest = json.loads(build(out).read_text())
    found: dict[str, Path] = {}
    for item in manifest["items"]:
        if item["role"] == "eval" and "screen-photo" not in item["file"]:
            found.setdefault(item["source"], out / item["file"])
    return found


def _share(settings: Settings, patient: Patient, image: Path) -> str:
    bind = {binding.SENDER_HEADER: patient.sender}
    ref = httpx.post(
        f"{settings.hub_url}/api/v1/images", content=image.read_bytes(), headers=bind, timeout=30
    )
    assert ref.status_code in (200, 201), ref.text
    return patient.say("/share_image", {"image": ref.json()})


def test_real_images_get_a_right_answer_or_an_honest_i_cannot_tell(
    network: Settings, real_images: dict[str, Path]
) -> None:
    patient = Patient(network, prefix="e2e-real")
    replies = []
    try:
        photo = _share(network, patient, real_images["photo-grace-hopper"])
        replies.append(photo)
        # the first image of the conversation: the demo models are disclosed
        assert "demo models trained on generated images" in photo and "not for clinical use" in photo, photo
        # their cascades are each hospital's own heads on one frozen ImageNet backbone: said once, too
        assert "one shared pretrained image network" in photo, photo
        assert NAMED.search(photo) is None, f"a photo was given a body part: {photo}"
        assert any(a in photo for a in ABSTAINED), photo

        sagittal = _share(network, patient, real_images["mr-head-s1045"])  # a normal sagittal head MRI
        replies.append(sagittal)
        assert not any(c in sagittal for c in CLAIMS), f"a finding on a normal real MRI: {sagittal}"
        named = NAMED.search(sagittal)
        assert named is None or named.group(1).lower() == "brain", sagittal

        head_ct = _share(network, patient, real_images["ct-head-693"])
        replies.append(head_ct)
        named = NAMED.search(head_ct)
        assert named is None or named.group(1).lower() == "brain", (
            f"a head CT called something else: {head_ct}"
        )
        for reply in (sagittal, head_ct):
            assert "not a diagnosis" in reply or any(a in reply for a in ABSTAINED), reply
    finally:
        patient.close()
    assert sum("demo models trained on generated images" in r for r in replies) == 1, replies
    assert sum("shared pretrained image network" in r for r in replies) == 1, replies
