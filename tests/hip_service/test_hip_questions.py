"""The HIP answers only the questions its VQA was trained for (qaid.vqa_questions), and says which.

Over the tiny real bundle: its VQA declares three question types (hip_tiny_bundle.QUESTION_TYPES).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from fastapi.testclient import TestClient
from hip_helpers import encode, upload
from hip_tiny_bundle import ANSWERS, MAX_Q, VOCAB, brain_like, build_bundle, gray

from hip_service.bundle_loader import BundleError, load_bundle
from qaid.bundle import tokenize_question


def ask(client: TestClient, image_id: str, question: str) -> tuple[int, dict]:
    r = client.post(f"/v1/images/{image_id}/vqa", json={"question": question})
    return r.status_code, r.json()


def test_capabilities_declare_the_question_types(client: TestClient) -> None:
    types = client.get("/v1/capabilities").json()["question_types"]
    assert types == [
        {"id": "abnormal", "question": "is this image abnormal?", "answer_type": "closed",
         "answers": ["yes", "no"], "topics": ["brain_mri", "chest_xray"]},
        {"id": "side", "question": "which side is the lesion on?", "answer_type": "open",
         "answers": ["left", "right", "both"], "topics": ["brain_mri", "chest_xray"]},
        {"id": "organ", "question": "what is on this side?", "answer_type": "open",
         "answers": ["brain", "chest"], "topics": ["brain_mri", "chest_xray"]},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("is there a fracture?", '"fracture"'),
        ("is there bleeding in my brain?", '"bleeding", "brain"'),
        ("Is this image not abnormal?", '"not"'),
        ("is the lesion on the left side?", '"left"'),
    ],
)
def test_words_the_model_never_saw_get_an_abstention_naming_them(
    client: TestClient, question: str, named: str
) -> None:
    image_id = upload(client, encode(brain_like()))
    status, body = ask(client, image_id, question)
    assert status == 422 and body["error"]["code"] == "unsupported_question"
    message = body["error"]["message"]
    assert f"not trained on questions with the words {named}" in message
    assert '"is this image abnormal?"; "which side is the lesion on?"' in message  # what it can answer


@pytest.mark.parametrize(
    "question", ["which lesion?", "is this?", "is the lesion abnormal?", "what is this image?"]
)
def test_known_words_that_ask_no_trained_question_get_an_abstention(
    client: TestClient, question: str
) -> None:
    image_id = upload(client, encode(brain_like()))
    status, body = ask(client, image_id, question)
    assert status == 422 and body["error"]["code"] == "unsupported_question"
    assert "does not match any of the questions it was trained for" in body["error"]["message"]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Is this abnormal?", "yes"),
        ("Can you please tell me: is the picture abnormal?", "yes"),  # unknown words that ask nothing
        ("On which side is the lesion?", "right"),
    ],
)
def test_paraphrases_of_trained_questions_are_answered(
    client: TestClient, question: str, answer: str
) -> None:
    image_id = upload(client, encode(brain_like()))
    status, body = ask(client, image_id, question)
    assert (status, body["answer"]) == (200, answer)


def test_an_answer_stays_within_its_question_type(client: TestClient, bundle_dir: Path) -> None:
    """The raw model answers "what is on this side?" with "right" (the side word); the organ type
    allows brain or chest only."""
    image = brain_like()
    session = ort.InferenceSession(str(bundle_dir / "vqa.onnx"), providers=["CPUExecutionProvider"])
    feed = {
        "image": np.zeros((1, 3, 32, 32), np.float32),
        "question": np.asarray([tokenize_question("what is on this side?", VOCAB, MAX_Q)], np.int64),
    }
    assert ANSWERS[int(session.run(None, feed)[0][0].argmax())] == "right"
    image_id = upload(client, encode(image))
    status, body = ask(client, image_id, "What is on this side?")
    assert status == 200 and body["answer"] in ("brain", "chest")


def test_the_anomaly_check_still_runs_on_its_canonical_question(client: TestClient) -> None:
    image_id = upload(client, encode(gray(0.9)))
    anomaly = client.post(f"/v1/images/{image_id}/analyze").json()["anomaly"]
    assert anomaly["source"]["task"] == "vqa" and anomaly["abnormal"] is True and anomaly["side"] == "right"


def test_a_bundle_without_declared_types_still_refuses_unknown_words(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    build_bundle(tmp_path / "old", question_types=False)
    c = make_client(tmp_path / "old")
    assert c.get("/v1/capabilities").json()["question_types"] is None  # the bot uses its fallback types
    image_id = upload(c, encode(brain_like()))
    status, body = ask(c, image_id, "is there a fracture?")
    assert status == 422 and body["error"]["code"] == "unsupported_question"
    assert ask(c, image_id, "is this image abnormal?")[1]["answer"] == "yes"


def test_a_bundle_without_vqa_declares_no_question_types(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    build_bundle(tmp_path / "novqa", vqa_topics=[])
    assert make_client(tmp_path / "novqa").get("/v1/capabilities").json()["question_types"] == []


def _edit_vqa(bundle: Path, change: Callable[[dict], None]) -> None:
    path = bundle / "manifest.json"
    manifest = json.loads(path.read_text())
    change(next(m for m in manifest["models"] if m["task"] == "vqa"))
    path.write_text(json.dumps(manifest))


def test_a_canonical_question_the_rule_would_refuse_is_a_broken_bundle(bundle_copy: Path) -> None:
    def unknown_word(entry: dict) -> None:
        entry["question_types"][1]["question"] = "which side is the tumour on?"
        entry["question_types"][1]["phrasings"] = ["which side is the tumour on?"]

    _edit_vqa(bundle_copy, unknown_word)
    with pytest.raises(BundleError, match="canonical questions not answerable as their type: side"):
        load_bundle(bundle_copy)


def test_question_types_must_answer_with_the_models_answers(bundle_copy: Path) -> None:
    _edit_vqa(bundle_copy, lambda entry: entry["question_types"][0]["answers"].append("maybe"))
    with pytest.raises(BundleError, match="answers the model lacks"):
        load_bundle(bundle_copy)
