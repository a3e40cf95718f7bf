"""Renderings of a transcript: the FHIR R4 Bundle (validated by fhir.resources), the doctor's PDF, and
where they are served (hub admin API, hospital inbox pages)."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader
from sqlalchemy import Engine
from tr_helpers import ADMIN, SERVICE, ServerThread, drain, make_worker, transcript, with_bound_image

from inbox.app import create_app as create_inbox
from qaid.config import Settings
from qaid.transcript import fhir, pdf


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _resources(bundle: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for e in bundle["entry"]:
        out.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    return out


def _references(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from _references(v)
    elif isinstance(value, list):
        for v in value:
            yield from _references(v)


def test_fhir_bundle_parses_back_with_the_expected_resources() -> None:
    t = transcript(["cismigiu", "titan"], urgency="urgent")
    data = fhir.bundle(t, hospital_names={"titan": "Titan Demo Hospital"}, image_urls={"img_1": "http://h/i"})
    parsed = Bundle.model_validate_json(json.dumps(data))  # raises on any R4 shape error
    assert parsed.type == "collection"
    res = _resources(data)
    counts = Counter({k: len(v) for k, v in res.items()})
    assert counts["Patient"] == 1 and counts["Consent"] == 1 and counts["DiagnosticReport"] == 1
    assert counts["Communication"] == len(t["messages"]) == 2
    assert counts["Observation"] == len(t["findings"]) and counts["Media"] == len(t["images"])

    patient = res["Patient"][0]
    assert patient["name"][0]["text"] == "Ana Pop"
    assert {c["system"]: c["value"] for c in patient["telecom"]} == {
        "phone": "+40 700 000 000",
        "email": "ana@example.org",
    }
    report = res["DiagnosticReport"][0]
    assert report["status"] == "preliminary" and "not a diagnosis" in report["conclusion"]
    assert "Is there a tumor?: yes (2 of 2 hospitals agree)" in report["conclusion"]
    obs = res["Observation"][0]
    assert obs["valueString"] == "yes" and obs["component"][0]["valueQuantity"]["value"] == 0.91
    assert "not a diagnosis" in obs["note"][0]["text"]
    assert res["Media"][0]["content"]["url"] == "http://h/i"
    assert res["Communication"][0]["payload"][0]["contentString"].startswith("I have headaches")

    consent = res["Consent"][0]
    assert consent["dateTime"].startswith(t["consent"]["at"][:19])
    orgs = {o["id"]: o for o in res["Organization"]}
    recipients = [
        orgs[a["reference"]["reference"].removeprefix("urn:uuid:")] for a in consent["provision"]["actor"]
    ]
    assert [o["identifier"][0]["value"] for o in recipients] == ["cismigiu", "titan"]
    assert [o["name"] for o in recipients] == ["Cismigiu Demo Hospital", "Titan Demo Hospital"]

    # every reference resolves inside the bundle, and rendering is deterministic
    full_urls = {e["fullUrl"] for e in data["entry"]}
    assert set(_references(data["entry"])) <= full_urls
    assert (
        fhir.bundle(t, hospital_names={"titan": "Titan Demo Hospital"}, image_urls={"img_1": "http://h/i"})
        == data
    )


def test_fhir_bundle_of_a_minimal_transcript() -> None:
    t = transcript(["titan"])
    for key in ("messages", "images", "findings", "consensus"):
        t[key] = []
    t["contact"] = {}
    res = _resources(fhir.bundle(t))
    assert "name" not in res["Patient"][0] and "Media" not in res and "Observation" not in res
    assert "not a diagnosis" in res["DiagnosticReport"][0]["conclusion"]


@pytest.mark.parametrize("unicode_font", [True, False])
def test_pdf_has_the_header_patient_findings_and_footer(unicode_font: bool) -> None:
    t = transcript(["titan"], urgency="urgent")
    t["contact"]["name"] = "Ana Pop Ștefănescu"
    t["messages"][0]["text"] = "<script>alert(1)</script> it hurts"
    data = pdf.render(t, hospital_name="Titan Demo Hospital", unicode_font=unicode_font)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    for expected in ("URGENT", "Ana Pop", "+40 700 000 000", "Is there a tumor?", "Cismigiu Demo Hospital"):
        assert expected in text
    assert "2 of 2 hospitals agree" in text and "headache" in text and "<script>alert(1)</script>" in text
    assert "not a diagnosis" in text
    # without a Unicode font the diacritics are transliterated, never turned into "?"
    assert ("Ștefănescu" if unicode_font else "Stefanescu") in text


def test_a_transcript_at_the_schema_limits_gives_a_bounded_pdf() -> None:
    t = transcript(["titan"])
    t["messages"] = [
        {"at": t["created_at"], "sender": "patient", "text": f"message {i} " + "x" * 9_980}
        for i in range(1_000)
    ]
    reader = PdfReader(io.BytesIO(pdf.render(t)))
    text = "".join(page.extract_text() for page in reader.pages)
    # Every message is cut at MAX_MESSAGE_CHARS and the rest counted: ~30 messages fit the budget.
    assert "more characters]" in text and "more messages are not printed here" in text
    assert "message 0" in text and "message 999" not in text
    assert len(reader.pages) < 60
    assert "not a diagnosis" in text.lower()


def test_pdf_uncompressed_mode_is_plain_pdf() -> None:
    data = pdf.render(transcript(["titan"]), compress=False, unicode_font=False)
    assert data.startswith(b"%PDF") and b"/FlateDecode" not in data
    assert b"Ana Pop" in data  # the text is readable in the raw file


def test_hub_serves_json_fhir_and_pdf_to_the_admin(hub: TestClient, settings: Settings) -> None:
    body = transcript(["titan"], urgency="urgent")
    stored = with_bound_image(hub, settings, body, b"\x89PNG\r\n\x1a\n" + b"\x01" * 64)
    tid = hub.post("/api/v1/transcripts", json=body, headers=SERVICE).json()["id"]
    url = f"/api/v1/transcripts/{tid}"
    assert hub.get(url, params={"format": "pdf"}, headers=SERVICE).status_code == 401
    assert hub.get(url, headers=ADMIN).json()["id"] == tid
    fhir = hub.get(url, params={"format": "fhir"}, headers=ADMIN)
    assert fhir.status_code == 200 and fhir.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(fhir.content)
    media = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Media"]
    image_url = urlsplit(media[0].content.url)
    assert image_url.path == f"/api/v1/images/{stored['image_id']}" and "token=" in image_url.query
    assert f"{image_url.scheme}://{image_url.netloc}" == settings.hub_public_url  # not the Host header
    pdf = hub.get(url, params={"format": "pdf"}, headers=ADMIN)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "Ana Pop" in _pdf_text(pdf.content)
    r = hub.get(url, params={"format": "docx"}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_inbox_detail_links_pdf_fhir_and_shows_images(
    hub: TestClient, engine: Engine, settings: Settings
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    body = transcript(["titan"])
    img = with_bound_image(hub, settings, body, png)
    hub.post("/api/v1/transcripts", json=body, headers=SERVICE)
    port = settings.port(settings.hospital("titan").inbox_port)
    with ServerThread(create_inbox(settings, "titan"), port) as titan:
        worker = make_worker(settings, engine, public_url="http://hub.test")
        drain(worker, lambda: bool(httpx.get(titan.url + "/api/transcripts").json()))
        wid = httpx.get(titan.url + "/api/transcripts").json()[0]["webhook_id"]
        page = httpx.get(f"{titan.url}/transcripts/{wid}").text
        assert f"/transcripts/{wid}.pdf" in page and f"/transcripts/{wid}.fhir.json" in page
        assert "Is there a tumor?" in page and "2 of 2 hospitals agree" in page
        src = f"http://hub.test/api/v1/images/{img['image_id']}?token={img['token']}"
        assert f"<img src='{src}'" in page

        pdf = httpx.get(f"{titan.url}/transcripts/{wid}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert "Titan Demo Hospital" in _pdf_text(pdf.content)
        fhir = httpx.get(f"{titan.url}/transcripts/{wid}.fhir.json")
        bundle = Bundle.model_validate_json(fhir.content)
        media = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Media"]
        assert media[0].content.url == src
        assert httpx.get(f"{titan.url}/transcripts/msg_nope.pdf").status_code == 404
    # the capability URL the inbox received opens the image on the hub
    got = hub.get(urlsplit(src).path + "?" + urlsplit(src).query)
    assert got.status_code == 200 and got.content == png
