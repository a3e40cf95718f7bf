"""Issue 16: another patient's image, with a valid link. The hub binds each upload to the uploading
conversation and links into a delivery only images bound to that transcript's conversation.

The attack as it was: a transcript (posted by the bot for the attacker's conversation) names the
victim's image id; the worker minted a capability token for it and the victim's image reached the
hospitals under the attacker's name. Each variant is performed here against the real hub, worker and
inbox, and must give no link."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tr_helpers import SERVICE, ServerThread, drain, make_worker, transcript, with_bound_image

from inbox.app import create_app as create_inbox
from qaid.config import Settings
from qaid_contracts import binding

PNG = b"\x89PNG\r\n\x1a\n"


def test_an_upload_is_bound_to_the_conversation_it_names(hub: TestClient, settings: Settings) -> None:
    key = settings.conversation_key
    stored = hub.post(
        "/api/v1/images", content=PNG + b"a" * 32, headers={binding.SENDER_HEADER: "s-1"}
    ).json()
    assert binding.check_image_ref(
        key, stored["image_id"], binding.conversation_id(key, "s-1"), stored["ref"]
    )
    assert not binding.check_image_ref(
        key, stored["image_id"], binding.conversation_id(key, "s-2"), stored["ref"]
    )
    # without a conversation: stored and shown, never attachable
    assert hub.post("/api/v1/images", content=PNG + b"b" * 32).json()["ref"] is None


def test_the_upload_link_names_the_configured_origin_not_the_host_header(
    hub: TestClient, settings: Settings
) -> None:
    url = hub.post("/api/v1/images", content=PNG + b"c" * 32, headers={"Host": "evil.example"}).json()["url"]
    assert url.startswith(settings.hub_public_url + "/api/v1/images/img_") and "evil" not in url


def _deliver(hub: TestClient, engine: Engine, settings: Settings, body: dict[str, Any]) -> dict[str, Any]:
    """Post ``body`` as the bot does, run the worker, and return what titan's inbox received."""
    assert hub.post("/api/v1/transcripts", json=body, headers=SERVICE).status_code == 201
    port = settings.port(settings.hospital("titan").inbox_port)
    with ServerThread(create_inbox(settings, "titan"), port) as titan:
        drain(make_worker(settings, engine, public_url="http://hub.test"), lambda: _received(titan))
        entry = _received(titan)[0]
        return dict(httpx.get(f"{titan.url}/api/transcripts/{entry['webhook_id']}").json())


def _received(titan: ServerThread) -> list[dict[str, Any]]:
    return list(httpx.get(titan.url + "/api/transcripts").json())


def test_the_own_image_is_linked(hub: TestClient, engine: Engine, settings: Settings) -> None:
    body = transcript(["titan"])
    stored = with_bound_image(hub, settings, body, PNG + b"own" * 20, sender="patient")
    links = _deliver(hub, engine, settings, body)["links"]["images"]
    assert list(links) == [stored["image_id"]] and f"token={stored['token']}" in links[stored["image_id"]]


@pytest.mark.parametrize("variant", ["no_ref", "victims_ref", "forged_ref", "wrong_sha256"])
def test_another_patients_image_gets_no_link(
    hub: TestClient, engine: Engine, settings: Settings, variant: str
) -> None:
    victim = transcript(["titan"])
    stolen = with_bound_image(hub, settings, victim, PNG + b"victim" * 20, sender="victim-session")
    body = transcript(
        ["titan"], conversation_id=binding.conversation_id(settings.conversation_key, "attacker")
    )
    image = {"image_id": stolen["image_id"], "sha256": stolen["sha256"]}
    if variant == "victims_ref":
        image["ref"] = stolen["ref"]  # valid, but for the victim's conversation
    elif variant == "forged_ref":
        image["ref"] = "A" * 43
    elif variant == "wrong_sha256":  # the attacker's own reference for an id it claims for other bytes
        own = with_bound_image(hub, settings, transcript(["titan"]), PNG + b"mine" * 20, sender="attacker")
        image = {"image_id": own["image_id"], "sha256": "0" * 64, "ref": own["ref"]}
    body["images"] = [image]
    received = _deliver(hub, engine, settings, body)
    assert received["links"].get("images", {}) == {}
    assert stolen["token"] not in str(received)


def test_a_dicom_is_stored_de_identified(hub: TestClient) -> None:
    """What can leave the hub (to HIPs before consent, to hospitals after) is the de-identified copy."""
    import io
    from pathlib import Path

    import pydicom
    from pydicom.data import get_testdata_file

    raw = Path(str(get_testdata_file("CT_small.dcm"))).read_bytes()
    stored = hub.post("/api/v1/images", content=raw).json()
    assert stored["content_type"] == "application/dicom"
    got = hub.get(f"/api/v1/images/{stored['image_id']}", params={"token": stored["token"]}).content
    assert b"CompressedSamples" not in got and b"JFK IMAGING" not in got
    ds = pydicom.dcmread(io.BytesIO(got))
    assert ds.PatientIdentityRemoved == "YES" and ds.Modality == "CT"

    flagged = pydicom.dcmread(io.BytesIO(raw))
    flagged.BurnedInAnnotation = "YES"
    buffer = io.BytesIO()
    flagged.save_as(buffer)
    refused = hub.post("/api/v1/images", content=buffer.getvalue())
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "burned_in_text"
