"""The PDF and the FHIR Bundle carry the case: each image with the overlay the patient saw, the
findings grouped under their image, consent and provenance; images the hub cannot vouch for are
"unavailable", never fetched and never a failed rendering."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from PIL import Image
from pydicom.data import get_testdata_file
from pypdf import PdfReader
from sqlalchemy import Engine, update
from tr_helpers import ADMIN, SERVICE, ServerThread, drain, make_worker, transcript

from hub.models import Image as ImageRow
from inbox.app import create_app as create_inbox
from qaid.config import Settings
from qaid.transcript import fhir, pdf
from qaid_contracts import binding
from qaid_contracts.limits import MAX_MODEL_VERSION_CHARS

# No spaces, longer than any table column: the old PDF broke it mid-word.
LONG_VERSION = "brain-seg-unet-2025.11.30-rc1+build.0123456789abcdef0123456789abcdef"
SENDER = "patient-session"


def png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return buf.getvalue()


SCAN_1, SCAN_2 = png((800, 400), (60, 60, 60)), png((300, 600), (120, 120, 120))
OVERLAY = png((800, 400), (220, 30, 30))


def ref(data: bytes, image_id: str | None = None) -> dict[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    return {"image_id": image_id or "img_" + digest[:32], "sha256": digest}


def case(scans: list[bytes], overlay: dict[str, Any] | None) -> dict[str, Any]:
    """A transcript about ``scans``: a VQA answer from two hospitals about each, and on the first an
    outline (whose finding names ``overlay``, if given)."""
    t = transcript(["titan", "cismigiu"])
    t["images"] = [ref(s) for s in scans]
    t["messages"][0]["image_id"] = t["images"][0]["image_id"] if scans else None
    t["findings"] = []
    for n, image in enumerate(t["images"], start=1):
        for hid, name, answer in (("titan", "Titan Demo Hospital", "yes"), ("cismigiu", "Cismigiu", "no")):
            t["findings"].append(
                {
                    "hospital_id": hid,
                    "hospital_name": name,
                    "image_id": image["image_id"],
                    "kind": "vqa",
                    "question": f"Question {n} about image {n}?",
                    "answer": answer,
                    "confidence": 0.91,
                    "model_version": f"vqa-{hid}",
                    "detail": {"model_sha256": f"sha-of-{hid}-vqa"},
                }
            )
    if scans:
        detail: dict[str, Any] = {"model_sha256": "sha-of-seg"}
        if overlay is not None:
            detail["overlay"] = overlay
        t["findings"].append(
            {
                "hospital_id": "titan",
                "hospital_name": "Titan Demo Hospital",
                "image_id": t["images"][0]["image_id"],
                "kind": "segment",
                "answer": "lesion outlined, on the left",
                "confidence": 0.02,
                "model_version": LONG_VERSION,
                "detail": detail,
            }
        )
    return t


def images_of(data: bytes) -> list[Image.Image]:
    """Every image XObject drawn in the PDF, decoded."""
    return [i.image for page in PdfReader(io.BytesIO(data)).pages for i in page.images]


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def red(img: Image.Image) -> bool:
    r, g, b = img.convert("RGB").getpixel((img.width // 2, img.height // 2))  # type: ignore[misc]
    return bool(r > 180 and g < 80 and b < 80)


def test_pdf_draws_each_image_and_the_overlay_with_findings_under_their_image() -> None:
    t = case([SCAN_1, SCAN_2], ref(OVERLAY))
    store = {i["image_id"]: s for i, s in zip(t["images"], [SCAN_1, SCAN_2], strict=True)}
    data = pdf.render(t, images={**store, ref(OVERLAY)["image_id"]: OVERLAY})
    drawn = images_of(data)
    assert len(drawn) == 3 and sum(red(i) for i in drawn) == 1  # two scans and the red overlay
    # thumbnails are bounded in size (never enlarged) and drawn with the image's aspect ratio
    assert sorted(i.size for i in drawn) == [(300, 600), (640, 320), (640, 320)]
    plain = pdf.render(t, images={**store, ref(OVERLAY)["image_id"]: OVERLAY}, compress=False)
    placed = re.findall(rb"q ([\d.]+) 0 0 ([\d.]+) [\d.]+ [\d.]+ cm /I\w+ Do Q", plain)
    ratios = [round(float(w) / float(h), 2) for w, h in placed]
    assert ratios == [2.0, 2.0, 0.5] and all(float(w) < 595 / 2 for w, _ in placed)  # A4: 595 pt wide
    text = text_of(data)
    assert "Image unavailable" not in text and "not a diagnosis" in text
    # findings under their own image: image 1's answers come after its heading and before image 2's
    img1, q1, img2, q2 = (
        text.index(s) for s in ("Image 1\n", "Question 1 about image 1?", "Image 2\n", "Question 2")
    )
    assert img1 < q1 < img2 < q2
    assert "Outline by Titan Demo Hospital over image 1, as the patient saw it" in text.replace("\n", " ")
    # the agreement counts models, and confidence reads in the inbox's words
    assert "Question 1 about image 1? yes — 1 of 2 hospitals agree" in text
    assert "high — the model rated itself 91% sure of this answer" in text
    # a model version is never broken across lines
    assert f"Titan Demo Hospital · model {LONG_VERSION} · sha256 sha-of-seg…\n" in text


def test_hospitals_sharing_a_model_file_count_as_one_opinion() -> None:
    t = case([SCAN_1], None)
    for f in t["findings"]:
        if f["kind"] == "vqa":
            f["detail"]["model_sha256"], f["answer"] = "one-shared-file", "yes"
    text = text_of(pdf.render(t))
    assert "Question 1 about image 1? yes — 1 of 1 independent model answered (2 hospitals)" in text
    t["findings"][1]["detail"].pop("model_sha256")  # a file not named: one vote per hospital
    assert "Question 1 about image 1? yes — 2 of 2 hospitals agree" in text_of(pdf.render(t))


def test_pdf_says_image_unavailable_for_missing_or_corrupt_bytes_and_keeps_the_rest() -> None:
    t = case([SCAN_1, SCAN_2], ref(OVERLAY))
    corrupt = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # a PNG signature and no image
    data = pdf.render(t, images={t["images"][0]["image_id"]: corrupt})  # scan 2 and the overlay: none
    assert images_of(data) == []
    text = text_of(data).replace("\n", " ")  # the notes wrap inside their frames
    assert "Image unavailable: the stored file cannot be read" in text
    assert "Image unavailable: the hub holds no verified copy" in text
    assert "Outline unavailable" in text
    for kept in ("Question 1 about image 1?", "Question 2 about image 2?", "lesion outlined", "Ana Pop"):
        assert kept in text
    # the inbox renders without bytes at all: it says where to look
    assert "open the case page to see it" in text_of(pdf.render(t)).replace("\n", " ")


def test_a_dicom_scan_is_drawn_from_its_pixels() -> None:
    scan = Path(get_testdata_file("CT_small.dcm")).read_bytes()  # 128 x 128, 16-bit CT
    t = case([scan], None)
    [drawn] = images_of(pdf.render(t, images={t["images"][0]["image_id"]: scan}))
    assert drawn.size == (128, 128) and drawn.mode == "L"
    assert len(set(drawn.getdata())) > 16  # the scan's grey levels, not a blank box


def test_a_model_version_at_the_schema_limit_stays_on_one_line() -> None:
    t = case([SCAN_1], None)
    version = (LONG_VERSION * 4)[:MAX_MODEL_VERSION_CHARS]
    t["findings"][-1]["model_version"] = version
    for unicode_font in (True, False):
        assert f"model {version} · sha256" in text_of(pdf.render(t, unicode_font=unicode_font))


def _bundle(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    Bundle.model_validate_json(json.dumps(data))  # raises on any R4B shape error
    out: dict[str, list[dict[str, Any]]] = {}
    for e in data["entry"]:
        out.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    return out


def _by_url(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in data["entry"]}


def test_fhir_carries_images_overlay_consent_and_provenance() -> None:
    t = case([SCAN_1, SCAN_2], ref(OVERLAY))
    first, overlay_id = t["images"][0]["image_id"], ref(OVERLAY)["image_id"]
    store = {first: SCAN_1, t["images"][1]["image_id"]: SCAN_2, overlay_id: OVERLAY}
    data = fhir.bundle(t, images=store, image_urls={first: "https://hub.example/api/v1/images/x?token=t"})
    res, by_url = _bundle(data), _by_url(data)
    media = {m["identifier"][0]["value"]: m for m in res["Media"]}
    assert list(media) == [first, t["images"][1]["image_id"], overlay_id]
    for image_id, raw in store.items():
        content = media[image_id]["content"]
        assert content["contentType"] == "image/png" and content["size"] == len(raw)
        # Attachment.hash is base64 SHA-1 in R4B; the SHA-256 is the identifier
        assert content["hash"] == base64.b64encode(hashlib.sha1(raw).digest()).decode()
        assert media[image_id]["identifier"][1]["value"] == hashlib.sha256(raw).hexdigest()
    linked = media[first]["content"]
    assert linked["url"].startswith("https://hub.example/") and "data" not in linked
    assert base64.b64decode(media[overlay_id]["content"]["data"]) == OVERLAY  # no link: inline
    report = res["DiagnosticReport"][0]
    assert len(report["media"]) == 3 and "as the patient saw it" in report["media"][2]["comment"]

    # a Provenance per Observation: the model (name, version, file sha256) on behalf of its hospital
    assert len(res["Provenance"]) == len(res["Observation"]) == 5
    seg = next(p for p in res["Provenance"] if len(p["target"]) == 2)
    targets = [by_url[r["reference"]] for r in seg["target"]]
    assert [r["resourceType"] for r in targets] == ["Observation", "Media"]
    assert targets[1] is media[overlay_id]
    agent = seg["agent"][0]
    device, org = by_url[agent["who"]["reference"]], by_url[agent["onBehalfOf"]["reference"]]
    assert device["deviceName"][0]["name"] == "lesion segmentation model"
    assert device["version"][0]["value"] == LONG_VERSION and device["identifier"][0]["value"] == "sha-of-seg"
    assert org["identifier"][0]["value"] == "titan"
    assert by_url[seg["entity"][0]["what"]["reference"]] is media[first]
    consent = res["Consent"][0]
    assert consent["status"] == "active" and consent["provision"]["type"] == "permit"
    assert base64.b64decode(consent["sourceAttachment"]["data"]).decode() == t["consent"]["statement"]


@pytest.mark.parametrize("shape", ["no images", "image missing"])
def test_fhir_validates_without_images_or_with_a_missing_one(shape: str) -> None:
    t = case([] if shape == "no images" else [SCAN_1], ref(OVERLAY))
    res = _bundle(fhir.bundle(t, images={}))
    if shape == "no images":
        assert "Media" not in res and "Provenance" not in res and res["Consent"]
        return
    image, overlay = res["Media"]
    for m in (image, overlay):  # named and identified, but no bytes to describe or carry
        assert set(m["content"]) == {"title"} and "unavailable" in m["note"][0]["text"]
    assert len(res["Provenance"]) == 3


def test_fhir_refuses_bytes_that_do_not_hash_to_the_stated_sha256() -> None:
    t = case([SCAN_1], None)
    res = _bundle(fhir.bundle(t, images={t["images"][0]["image_id"]: SCAN_2}))
    assert set(res["Media"][0]["content"]) == {"title"}


def _upload(hub: TestClient, data: bytes, sender: str) -> dict[str, Any]:
    r = hub.post("/api/v1/images", content=data, headers={binding.SENDER_HEADER: sender})
    assert r.status_code in (200, 201)
    return {k: r.json()[k] for k in ("image_id", "sha256", "ref")}


def test_hub_renders_the_verified_images_and_overlay_and_nothing_else(
    hub: TestClient, settings: Settings
) -> None:
    scan_1, scan_2, overlay = (_upload(hub, d, SENDER) for d in (SCAN_1, SCAN_2, OVERLAY))
    body = case([SCAN_1, SCAN_2], overlay)
    body["images"] = [scan_1, scan_2]
    body["conversation_id"] = binding.conversation_id(settings.conversation_key, SENDER)
    # another conversation's picture, named with its own (valid, but foreign) reference: not rendered
    foreign = _upload(hub, png((10, 10), (0, 200, 0)), "someone-else")
    body["images"].append(foreign)
    tid = hub.post("/api/v1/transcripts", json=body, headers=SERVICE).json()["id"]
    url = f"/api/v1/transcripts/{tid}"

    document = hub.get(url, params={"format": "pdf"}, headers=ADMIN)
    assert document.status_code == 200
    drawn = images_of(document.content)
    assert len(drawn) == 3 and sum(red(i) for i in drawn) == 1
    # the foreign one
    assert "Image unavailable: the hub holds no verified copy" in text_of(document.content).replace("\n", " ")

    data = hub.get(url, params={"format": "fhir"}, headers=ADMIN).json()
    media = {m["identifier"][0]["value"]: m["content"] for m in _bundle(data)["Media"]}
    assert "url" not in media[foreign["image_id"]] and "size" not in media[foreign["image_id"]]
    for image, raw in ((scan_1, SCAN_1), (scan_2, SCAN_2), (overlay, OVERLAY)):
        link = urlsplit(media[image["image_id"]]["url"])
        assert f"{link.scheme}://{link.netloc}" == settings.hub_public_url and "token=" in link.query
        assert media[image["image_id"]]["size"] == len(raw)
        # the link opens exactly these bytes on the hub
        assert hub.get(f"{link.path}?{link.query}").content == raw


def test_bytes_changed_at_rest_are_not_rendered(hub: TestClient, engine: Engine, settings: Settings) -> None:
    scan = _upload(hub, SCAN_1, SENDER)
    body = case([SCAN_1], None)
    body["conversation_id"] = binding.conversation_id(settings.conversation_key, SENDER)
    body["images"] = [scan]
    tid = hub.post("/api/v1/transcripts", json=body, headers=SERVICE).json()["id"]
    # the row still opens, but to other bytes than its id and sha256 say (damage, or a tampered store)
    sealed = hub.app.state.hub.box.seal(SCAN_2)
    with engine.begin() as conn:
        conn.execute(update(ImageRow).where(ImageRow.id == scan["image_id"]).values(data_enc=sealed))
    document = hub.get(f"/api/v1/transcripts/{tid}", params={"format": "pdf"}, headers=ADMIN)
    assert images_of(document.content) == [] and "Image unavailable" in text_of(document.content)
    data = hub.get(f"/api/v1/transcripts/{tid}", params={"format": "fhir"}, headers=ADMIN).json()
    assert "size" not in _bundle(data)["Media"][0]["content"]


def test_a_delivery_links_the_overlay_and_the_inbox_shows_it(
    hub: TestClient, engine: Engine, settings: Settings
) -> None:
    scan, overlay = _upload(hub, SCAN_1, SENDER), _upload(hub, OVERLAY, SENDER)
    body = case([SCAN_1], overlay)
    body["conversation_id"] = binding.conversation_id(settings.conversation_key, SENDER)
    body["images"] = [scan]
    hub.post("/api/v1/transcripts", json=body, headers=SERVICE)
    port = settings.port(settings.hospital("titan").inbox_port)
    with ServerThread(create_inbox(settings, "titan"), port) as titan:
        worker = make_worker(settings, engine, public_url="http://hub.test")
        drain(worker, lambda: bool(httpx.get(titan.url + "/api/transcripts").json()))
        wid = httpx.get(titan.url + "/api/transcripts").json()[0]["webhook_id"]
        src = f"http://hub.test/api/v1/images/{overlay['image_id']}?token="
        page = httpx.get(f"{titan.url}/transcripts/{wid}").text
        assert f"<img src='{src}" in page and "Outline by Titan Demo Hospital, as the patient saw it" in page
        data = httpx.get(f"{titan.url}/transcripts/{wid}.fhir.json").json()
        media = {m["identifier"][0]["value"]: m["content"] for m in _bundle(data)["Media"]}
        assert media[overlay["image_id"]]["url"].startswith(src)
