"""Image analysis, questions and outlines against fake hub + HIP servers."""

from __future__ import annotations

import base64
import hashlib

import pytest
from conversation_image import IMAGE_ID, PNG, image_metadata, image_ref
from tracker_helpers import make_tracker, slot_events, texts

from qaid_bot.actions.follow_up import ActionSegment
from qaid_bot.actions.image_flow import ActionAnalyzeImage
from qaid_bot.actions.questions import ActionAnswerQuestion
from qaid_contracts.hub import NearbyHospital

SEG_B64 = base64.b64encode(PNG).decode()
# the fake HIP's overlay is PNG itself, so the hub's content-addressed id of the overlay is IMAGE_ID
OVERLAY = {"image_id": IMAGE_ID, "sha256": hashlib.sha256(PNG).hexdigest(), "ref": image_ref(IMAGE_ID)}

pytestmark = pytest.mark.asyncio


def asked(network, hospital_id: str) -> list[str]:
    """What the bot asked this HIP for, besides its capabilities (read once per bundle version)."""
    return [c for c in network.hip(hospital_id).calls if c != "capabilities"]


async def analyze(network, dispatcher, **kw):
    tracker = make_tracker("/share_image", "share_image", metadata=image_metadata(network.hub.url), **kw)
    return await ActionAnalyzeImage().run(dispatcher, tracker, {})


async def test_brain_mri_is_analysed_by_every_nearby_hospital(network, dispatcher):
    events = await analyze(network, dispatcher)
    [text, outline] = texts(dispatcher)
    assert "medical image" in text and "brain MRI" in text
    assert "3 of 3 hospitals agree" in text
    assert "2 of 3 nearby hospitals can analyse brain MRI images" in text
    # titan runs no anomaly check on brain MRI: 2 voters
    assert (
        "Anomaly check: a possible abnormality on your left side (which is on the right of the picture"
        in text
    )
    assert "about 2.0% of the tissue in the picture (2 of 2 hospitals agree)." in text
    assert "not a diagnosis" in text and "unreachable" not in text
    slots = slot_events(events)
    assert slots["hip_images"] == {
        "herastrau": "herastrau-img1",
        "cismigiu": "cismigiu-img1",
        "titan": "titan-img1",
    }
    assert slots["image"]["topic"] == "brain_mri" and slots["image"]["image_id"] == IMAGE_ID
    assert slots["images"][0]["image_id"] == IMAGE_ID and len(slots["images"][0]["sha256"]) == 64
    assert slots["images"][0]["ref"] == image_metadata()["image"]["ref"]  # the hub checks it again
    analyses = [f for f in slots["findings"] if f["kind"] == "analyze"]
    assert {f["hospital_id"] for f in analyses} == {"herastrau", "cismigiu", "titan"}
    # cismigiu offers brain MRI segmentation: its outline came with the analysis
    assert [f["hospital_id"] for f in slots["findings"] if f["kind"] == "segment"] == ["cismigiu"]
    assert "Cismigiu Demo Hospital" in outline and "not a diagnosis" in outline
    assert "or ask me to outline the lesion" not in text
    assert {
        "kind": "analyze",
        "question": "What does the image show?",
        "answer": "brain MRI",
        "agree": 3,
        "total": 3,
    } in slots["consensus"]
    # the directory was asked with the service token and the default (Bucharest) location
    assert network.hub.nearby_calls[0]["lat"] == "44.4268"
    assert network.hip("titan").auth[0] == "Bearer tok-titan"


@pytest.fixture
def short_deadline(env):
    """A HIP deadline the hanging fakes (30 s) pass and the answering ones, even on a loaded
    machine, do not: the action returning while a fake still holds its request is the proof that
    the deadline, not the hanging hospital, ended the turn."""
    env.setenv("QAID_HIP_TIMEOUT_S", "3")


async def test_a_hanging_hospital_is_left_out_within_the_deadline(network, dispatcher, short_deadline):
    network.hip("titan").mode = "hang"
    events = await analyze(network, dispatcher)
    hip = network.hip("titan")
    assert (hip.held, hip.held_to_the_end) == (1, 0)  # the turn ended at the deadline, not with the hospital
    text = texts(dispatcher)[0]
    assert "1 hospital was unreachable" in text
    assert "2 of 3 nearby hospitals can analyse brain MRI images" in text
    assert "titan" not in slot_events(events)["hip_images"]


async def test_a_down_hospital_is_left_out(network, dispatcher):
    network.hub.down_hips.append(
        NearbyHospital(
            id="ghost",
            name="Ghost Hospital",
            lat=44.5,
            lon=26.2,
            offers={"vqa": ["brain_mri"]},
            distance_km=9.0,
            hip_url="http://127.0.0.1:9",
            hip_token="x",
            hip_public_only=False,
        )
    )
    await analyze(network, dispatcher)
    text = texts(dispatcher)[0]
    assert "1 hospital was unreachable" in text
    assert "3 of 4 nearby hospitals can analyse brain MRI images" in text


async def test_a_500_counts_as_unreachable(network, dispatcher):
    network.hip("herastrau").mode = "error500"
    await analyze(network, dispatcher)
    assert "1 hospital was unreachable" in texts(dispatcher)[0]


async def test_non_medical_image_is_refused(network, dispatcher):
    for h in network.hips:
        h.medical = False
    events = await analyze(network, dispatcher)
    [text] = texts(dispatcher)
    assert "doesn't look like a medical image" in text and "3 of 3" in text
    assert "image" not in slot_events(events)  # nothing to ask follow-up questions about


async def test_unsupported_body_part(network, dispatcher):
    for h in network.hips:
        h.topic = "hand_xray"
    await analyze(network, dispatcher)
    [text] = texts(dispatcher)
    assert "hand X-ray" in text and "none of the 3 nearby hospitals can analyse hand X-ray images" in text


async def test_no_image_attached(network, dispatcher):
    events = await ActionAnalyzeImage().run(dispatcher, make_tracker("here is my scan", "share_image"), {})
    assert events == [] and "don't see an image" in texts(dispatcher)[0]


async def test_hub_down(env, dispatcher):
    env.setenv("QAID_HUB_URL", "http://127.0.0.1:9")
    tracker = make_tracker("/share_image", "share_image", metadata=image_metadata("http://127.0.0.1:9"))
    events = await ActionAnalyzeImage().run(dispatcher, tracker, {})
    assert events == [] and "can't reach the hospital network" in texts(dispatcher)[0]


async def test_the_image_url_in_the_message_is_ignored(network, dispatcher):
    """The bytes come from the configured hub by id; whatever URL the client wrote is never fetched."""
    meta = image_metadata("")
    meta["image"]["url"] = "http://169.254.169.254/latest/meta-data/"
    tracker = make_tracker("/share_image", "share_image", metadata=meta)
    await ActionAnalyzeImage().run(dispatcher, tracker, {})
    assert "brain MRI" in texts(dispatcher)[0]
    assert network.hub.image_fetches == [IMAGE_ID]


async def _image_slots(network, dispatcher) -> dict:
    slots = slot_events(await analyze(network, dispatcher))
    dispatcher.messages.clear()
    return slots


async def test_question_goes_to_the_vqa_hospitals_without_resending(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    uploads = sum(h.uploads for h in network.hips)
    tracker = make_tracker("is there a lesion?", "ask_image_question", slots=slots)
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    [text] = texts(dispatcher)
    assert "Answer: yes." in text and "2 of 2 hospitals answered yes" in text
    assert "not a diagnosis" in text
    assert sum(h.uploads for h in network.hips) == uploads  # no re-send
    assert asked(network, "titan") == ["analyze"]  # does not offer brain MRI VQA: not asked
    new = slot_events(events)
    vqa = [f for f in new["findings"] if f["kind"] == "vqa"]
    assert {f["hospital_id"] for f in vqa} == {"herastrau", "cismigiu"}
    assert vqa[0]["question"] == "is there a lesion?" and vqa[0]["model_version"] == "vqa-1"
    assert new["consensus"][-1] == {
        "kind": "vqa",
        "question": "is there a lesion?",
        "answer": "yes",
        "agree": 2,
        "total": 2,
    }


async def test_answers_of_one_shared_vqa_model_count_once(network, dispatcher):
    for hip in network.hips:
        hip.model_sha = "one-file"
    slots = await _image_slots(network, dispatcher)
    events = await ActionAnswerQuestion().run(dispatcher, make_tracker("is there a lesion?", slots=slots), {})
    [text] = texts(dispatcher)
    assert "2 hospitals answered yes, with one shared model." in text and "2 of 2" not in text
    assert slot_events(events)["consensus"][-1]["total"] == 1  # the transcript says one opinion too
    # each finding names the file, so the inbox and the PDF count one opinion per image as well
    vqa = [f for f in slot_events(events)["findings"] if f["kind"] == "vqa"]
    assert len(vqa) == 2 and {f["detail"]["model_sha256"] for f in vqa} == {"one-file-vqa"}


async def test_disagreement_is_reported(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    network.hip("cismigiu").answer = "no"
    await ActionAnswerQuestion().run(dispatcher, make_tracker("is there a lesion?", slots=slots), {})
    [text] = texts(dispatcher)
    assert "disagree" in text and "Answer:" not in text and "not a diagnosis" in text


async def test_forgotten_image_is_reuploaded_once(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    network.hip("herastrau").mode = "forget"
    events = await ActionAnswerQuestion().run(dispatcher, make_tracker("is it abnormal?", slots=slots), {})
    assert "2 of 2 hospitals answered yes" in texts(dispatcher)[0]
    assert network.hip("herastrau").uploads == 2
    assert slot_events(events)["hip_images"]["herastrau"] == "herastrau-img2"


async def test_hospital_unreachable_at_analysis_gets_the_image_on_the_question(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    del slots["hip_images"]["cismigiu"]
    await ActionAnswerQuestion().run(dispatcher, make_tracker("is it abnormal?", slots=slots), {})
    assert "2 of 2 hospitals answered yes" in texts(dispatcher)[0]
    assert network.hip("cismigiu").uploads == 2


async def test_question_with_a_hanging_hospital(network, dispatcher, short_deadline):
    slots = await _image_slots(network, dispatcher)
    network.hip("herastrau").mode = "hang"
    await ActionAnswerQuestion().run(dispatcher, make_tracker("is there a lesion?", slots=slots), {})
    hip = network.hip("herastrau")
    assert (hip.held, hip.held_to_the_end) == (1, 0)
    text = texts(dispatcher)[0]
    assert "1 of 1 hospital answered yes" in text and "1 hospital was unreachable" in text


async def test_question_without_image(network, dispatcher):
    events = await ActionAnswerQuestion().run(dispatcher, make_tracker("is there a lesion?"), {})
    assert events == [] and "send me an image first" in texts(dispatcher)[0]


async def test_segmentation_returns_the_overlay_hosted_on_the_hub(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    events = await ActionSegment().run(dispatcher, make_tracker("outline the lesion", slots=slots), {})
    [msg] = dispatcher.messages
    assert msg["image"] == f"{network.hub.url}/api/v1/images/{IMAGE_ID}?token=t"
    assert "A lesion was outlined (1 of 1 hospital agrees)" in msg["text"] and "Cismigiu" in msg["text"]
    # the side in the patient's words, once per conversation; a size, never a pixel count
    assert "on your left side" in msg["text"] and "not a diagnosis" in msg["text"]
    assert "about 2.0% of the tissue in the picture" in msg["text"] and "pixel" not in msg["text"]
    assert network.hub.stored_images  # the overlay PNG went to the hub
    seg = [f for f in slot_events(events)["findings"] if f["kind"] == "segment"]
    assert seg[0]["hospital_id"] == "cismigiu" and "mask_png_b64" not in str(seg)
    # the overlay the patient saw, bound to this conversation, so the doctor's PDF can show it
    assert seg[0]["detail"]["overlay"] == OVERLAY


async def test_analysis_shows_the_outline_with_its_hospital(network, dispatcher):
    events = await analyze(network, dispatcher)
    analysis, outline = dispatcher.messages
    assert not analysis.get("image")
    assert outline["image"] == f"{network.hub.url}/api/v1/images/{IMAGE_ID}?token=t"
    assert network.hub.stored_images == [base64.b64decode(SEG_B64)]  # the overlay PNG went to the hub
    assert outline["text"].startswith(
        "A lesion was outlined (1 of 1 hospital agrees). Here is the outline from Cismigiu"
    )
    assert "on your left side (which is on the right of the picture" in outline["text"]
    assert "pixel" not in outline["text"] and " px" not in outline["text"]
    assert "about 2.0% of the tissue in the picture" in outline["text"]
    # Where the outline came from, with the model version (a newly published model shows here).
    assert "(From 1 hospital's model: Cismigiu" in outline["text"]
    assert "version seg-1; not a diagnosis.)" in outline["text"]
    # The analysis names every answering hospital; their bundle versions differ, so each has its own.
    assert "(From 3 hospitals' models: " in analysis["text"]
    assert "(cismigiu-b1)" in analysis["text"] and "(titan-b1)" in analysis["text"]
    assert asked(network, "cismigiu") == ["analyze", "segment"]
    assert asked(network, "herastrau") == ["analyze"]  # offers no segmentation
    assert network.hip("cismigiu").uploads == 1  # the outline reuses the analysed copy
    slots = slot_events(events)
    [seg] = [f for f in slots["findings"] if f["kind"] == "segment"]
    # the overlay shown, and the model file that drew it (hospitals sharing a file are one opinion)
    assert seg["detail"]["overlay"] == OVERLAY
    assert seg["detail"]["model_sha256"] == "cismigiu-own-model-segmentation"
    assert slots["consensus"][-1] == {
        "kind": "segment",
        "question": "Outline the lesion",
        "answer": "lesion outlined",
        "agree": 1,
        "total": 1,
    }


async def test_analysis_outline_without_lesion_has_no_image(network, dispatcher):
    network.hip("cismigiu").lesion_px = 0
    await analyze(network, dispatcher)
    analysis, outline = dispatcher.messages
    assert "No lesion was outlined" in outline["text"] and not outline.get("image")
    assert not network.hub.stored_images


async def test_analysis_without_segmentation_for_the_topic_sends_one_message(network, dispatcher):
    for h in network.hips:
        h.topic = "chest_xray"  # nobody segments chest X-rays
    await analyze(network, dispatcher)
    [text] = texts(dispatcher)
    assert "chest X-ray" in text and not network.hub.stored_images
    assert all("segment" not in h.calls for h in network.hips)


async def test_a_hanging_outline_does_not_lose_the_analysis(network, dispatcher, short_deadline):
    network.hip("cismigiu").segment_delay = 30
    events = await analyze(network, dispatcher)
    hip = network.hip("cismigiu")
    assert (hip.held, hip.held_to_the_end) == (1, 0)  # the outline's own deadline ended the wait
    [text] = texts(dispatcher)
    assert "3 of 3 hospitals agree" in text and "ask me to outline the lesion" in text
    assert all(f["kind"] == "analyze" for f in slot_events(events)["findings"])


async def test_segmentation_no_lesion(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    network.hip("cismigiu").lesion_px = 0
    await ActionSegment().run(dispatcher, make_tracker("outline the lesion", slots=slots), {})
    [msg] = dispatcher.messages
    assert "No lesion was outlined" in msg["text"] and not msg.get("image")


async def test_segmentation_not_offered(network, dispatcher):
    for h in network.hips:
        h.topic = "chest_xray"
    slots = await _image_slots(network, dispatcher)
    await ActionSegment().run(dispatcher, make_tracker("outline it", slots=slots), {})
    assert "None of the nearby hospitals can outline lesions on chest X-ray images" in texts(dispatcher)[0]


async def test_hip_409_is_not_counted_as_unreachable(network, dispatcher):
    slots = await _image_slots(network, dispatcher)
    # the directory claims titan does brain MRI VQA but its HIP answers 409 task_not_offered
    network.hub.directory_offers["titan"] = {"vqa": ["brain_mri", "chest_xray"]}
    await ActionAnswerQuestion().run(dispatcher, make_tracker("is there a lesion?", slots=slots), {})
    text = texts(dispatcher)[0]
    assert "2 of 2 hospitals answered yes" in text and "unreachable" not in text


async def test_demo_models_are_disclosed_once_at_the_first_image(network, dispatcher):
    for hip in network.hips:
        hip.provenance = "generated_demo"
    events = await analyze(network, dispatcher)
    first = dispatcher.messages[0]
    assert (
        "demo models trained on generated images" in first["text"] and "not for clinical use" in first["text"]
    )
    assert first["custom"] == {"notice": "demo_models"}  # the web page keeps a notice on screen
    assert slot_events(events)["demo_disclosed"] is True
    dispatcher.messages.clear()
    await analyze(network, dispatcher, slots={"demo_disclosed": True})
    assert not any("demo models" in t for t in texts(dispatcher))


async def test_real_provenance_discloses_nothing(network, dispatcher):
    events = await analyze(network, dispatcher)
    assert not any("demo models" in t for t in texts(dispatcher)) and "demo_disclosed" not in slot_events(
        events
    )


async def test_a_shared_pretrained_backbone_is_disclosed_once_beside_the_demo_notice(network, dispatcher):
    for hip in network.hips:
        hip.provenance, hip.backbone = "generated_demo", "efficientnet-lite0 imagenet sha256:5793"
    events = await analyze(network, dispatcher)
    first = dispatcher.messages[0]
    assert "demo models trained on generated images" in first["text"]
    assert "one shared pretrained image network" in first["text"] and "not fully independent" in first["text"]
    assert first["custom"] == {"notice": "demo_models"}
    # the votes still count per hospital: their heads and files differ
    assert "3 of 3 hospitals agree" in texts(dispatcher)[1]
    dispatcher.messages.clear()
    await analyze(network, dispatcher, slots={"demo_disclosed": True})
    assert not any("shared pretrained" in t for t in texts(dispatcher))
    assert slot_events(events)["demo_disclosed"] is True


async def test_a_shared_backbone_with_real_provenance_is_said_without_the_demo_notice(network, dispatcher):
    network.hips[0].backbone = network.hips[1].backbone = "efficientnet-lite0 imagenet sha256:5793"
    await analyze(network, dispatcher)
    first = dispatcher.messages[0]
    assert "one shared pretrained image network" in first["text"] and "demo models" not in first["text"]
    assert not first.get("custom")


async def test_one_hospital_naming_a_backbone_is_not_a_shared_one(network, dispatcher):
    network.hips[0].backbone = "efficientnet-lite0 imagenet sha256:5793"
    await analyze(network, dispatcher)
    assert not any("shared pretrained" in t for t in texts(dispatcher))


async def test_hospitals_serving_one_model_file_are_one_opinion(network, dispatcher):
    for hip in network.hips:
        hip.model_sha = "the-same-file"
    await analyze(network, dispatcher)
    text = texts(dispatcher)[0]
    assert "a brain MRI (3 hospitals, one shared model)" in text and "3 of 3 hospitals agree" not in text


async def test_an_image_the_models_cannot_place_gets_no_answer_and_is_not_the_current_image(
    network, dispatcher
):
    for hip in network.hips:
        hip.verdict = "unsure"
    events = await analyze(network, dispatcher)
    text = texts(dispatcher)[0]
    assert "I can't tell whether this is a medical image" in text and "I won't guess" in text
    assert "brain" not in text and "abnormal" not in text
    slots = slot_events(events)
    assert "image" not in slots and "hip_images" not in slots  # follow-ups stay with the last analysed image
    assert {f["answer"] for f in slots["findings"]} == {"cannot tell whether this is a medical image"}


async def test_a_medical_image_of_an_unknown_body_part_gets_no_finding(network, dispatcher):
    for hip in network.hips:
        hip.part_status = "unsure"
    events = await analyze(network, dispatcher)
    text = texts(dispatcher)[0]
    assert "I can't tell which body part it shows" in text and "abnormal" not in text
    assert "image" not in slot_events(events)


async def test_a_check_that_cannot_run_on_this_kind_of_image_says_why(network, dispatcher):
    why = "the model was trained on axial brain MRI slices only; this image looks sagittal"
    for hip in network.hips:
        hip.check_skipped = why
    await analyze(network, dispatcher)
    assert f"The abnormality check was not run: {why}." in texts(dispatcher)[0]


async def test_the_patients_side_is_explained_once(network, dispatcher):
    events = await analyze(network, dispatcher)
    assert slot_events(events)["side_explained"] is True
    dispatcher.messages.clear()
    await analyze(network, dispatcher, slots={"side_explained": True})
    text = " ".join(texts(dispatcher))
    assert "on your left side" in text and "of the picture" not in text
