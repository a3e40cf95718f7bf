"""Hospital directory: demo sync, public list, the service-only nearby search, admin registration."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tr_helpers import ADMIN, SERVICE

from hub.crypto import DataBox
from hub.directory import haversine_km
from hub.models import Hospital
from qaid.config import Settings, webhook_secret

CENTRE = {"lat": 44.4268, "lon": 26.1025}


def test_haversine_matches_known_distances() -> None:
    assert abs(haversine_km(0, 0, 1, 0) - 111.195) < 0.01  # one degree of latitude
    assert haversine_km(44.4, 26.1, 44.4, 26.1) == 0
    # Bucharest -> Cluj-Napoca is about 324 km as the crow flies.
    assert 320 < haversine_km(44.4268, 26.1025, 46.7712, 23.6236) < 330


def test_demo_hospitals_are_registered_with_their_endpoints_and_secrets(
    hub: TestClient, settings: Settings
) -> None:
    box = DataBox(settings.data_key)
    with hub.app.state.hub.sessions() as db:
        rows = {h.id: h for h in db.query(Hospital)}
        assert set(rows) == {"herastrau", "cismigiu", "titan"}
        titan = rows["titan"]
        spec = settings.hospital("titan")
        assert titan.webhook_url == settings.inbox_url(spec) + "/webhooks/transcripts"
        assert titan.hip_url == settings.hip_url(spec)
        creds = box.open_json(titan.credentials_enc)
        assert creds == {
            "hip_token": settings.hip_token,
            "webhook_secrets": [webhook_secret(settings.webhook_secret_seed, "titan")],
        }
        # sealed at rest: the secret is not in the stored bytes
        assert settings.hip_token.encode() not in titan.credentials_enc


def test_public_list_has_no_credentials_or_endpoints(hub: TestClient) -> None:
    r = hub.get("/api/v1/hospitals")
    assert r.status_code == 200
    hospitals = r.json()["hospitals"]
    assert [h["id"] for h in hospitals] == ["cismigiu", "herastrau", "titan"]
    assert set(hospitals[0]) == {"id", "name", "lat", "lon", "offers"}
    assert hospitals[0]["offers"]["segmentation"] == ["brain_mri"]


def test_nearby_requires_the_service_token(hub: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, ADMIN, {"Authorization": "Basic abc"}):
        r = hub.get("/api/v1/hospitals/nearby", params=CENTRE, headers=headers)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthorized"


def test_nearby_is_nearest_first_with_hip_credentials(hub: TestClient, settings: Settings) -> None:
    r = hub.get("/api/v1/hospitals/nearby", params=CENTRE, headers=SERVICE)
    assert r.status_code == 200
    found = r.json()["hospitals"]
    assert [h["id"] for h in found] == ["cismigiu", "titan", "herastrau"]
    assert abs(found[0]["distance_km"] - 1.507) < 0.01
    assert found[0]["hip_url"] == settings.hip_url(settings.hospital("cismigiu"))
    assert found[0]["hip_token"] == settings.hip_token
    assert found[0]["offers"]["vqa"] == ["brain_mri", "chest_xray"]


def test_nearby_says_which_hips_the_bot_must_call_at_public_addresses_only(
    hub: TestClient, settings: Settings
) -> None:
    """The rule the hub's own calls follow (hub.egress.public_only): a HIP URL the hospital registered
    with its own token is held to public addresses, unless the operator allows private ones; the
    operator's registrations (the demo hospitals) are trusted as registered."""

    def flags() -> dict[str, bool]:
        r = hub.get("/api/v1/hospitals/nearby", params=CENTRE, headers=SERVICE)
        assert r.status_code == 200
        return {h["id"]: h["hip_public_only"] for h in r.json()["hospitals"]}

    assert flags() == {"cismigiu": False, "titan": False, "herastrau": False}
    with hub.app.state.hub.sessions() as db:
        db.get(Hospital, "titan").urls_from_hospital = True  # as hub.directory.register_for_join sets it
        db.commit()
    assert flags() == {"cismigiu": False, "titan": True, "herastrau": False}
    assert hub.app.state.hub.settings is settings
    settings.join_allow_private = True  # QAID_JOIN_ALLOW_PRIVATE
    assert flags() == {"cismigiu": False, "titan": False, "herastrau": False}


def test_nearby_radius_and_k(hub: TestClient) -> None:
    r = hub.get("/api/v1/hospitals/nearby", params=CENTRE | {"radius_km": 3}, headers=SERVICE)
    assert [h["id"] for h in r.json()["hospitals"]] == ["cismigiu"]
    r = hub.get("/api/v1/hospitals/nearby", params=CENTRE | {"k": 2}, headers=SERVICE)
    assert [h["id"] for h in r.json()["hospitals"]] == ["cismigiu", "titan"]
    # far away (Cluj): nobody within the default 25 km
    r = hub.get("/api/v1/hospitals/nearby", params={"lat": 46.77, "lon": 23.62}, headers=SERVICE)
    assert r.json()["hospitals"] == []


def test_nearby_validation_errors_have_the_error_shape(hub: TestClient) -> None:
    for params in ({"lat": 200, "lon": 26}, {"lon": 26}, CENTRE | {"k": 0}, CENTRE | {"radius_km": -1}):
        r = hub.get("/api/v1/hospitals/nearby", params=params, headers=SERVICE)
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "invalid_request"
        assert r.json()["error"]["message"]


def _new_hospital(**kw: object) -> dict:
    return {
        "id": "floreasca",
        "name": "Floreasca Demo Hospital",
        "lat": 44.46,
        "lon": 26.10,
        "hip_url": "http://127.0.0.1:9999",
        "hip_token": "hip-x",
        "webhook_url": "http://127.0.0.1:9998/webhooks/transcripts",
        "webhook_secrets": ["whsec_" + "A" * 43],
        "offers": {"vqa": ["chest_xray"]},
    } | kw


def test_admin_registers_and_updates_hospitals(hub: TestClient) -> None:
    assert hub.post("/api/v1/hospitals", json=_new_hospital()).status_code == 401
    assert hub.post("/api/v1/hospitals", json=_new_hospital(), headers=SERVICE).status_code == 401
    r = hub.post("/api/v1/hospitals", json=_new_hospital(), headers=ADMIN)
    assert r.status_code == 201, r.text
    assert r.json()["webhook_secrets_active"] == 1 and "webhook_secrets" not in r.json()
    r = hub.post("/api/v1/hospitals", json=_new_hospital(), headers=ADMIN)
    assert r.status_code == 409 and r.json()["error"]["code"] == "hospital_exists"

    # rotation: two secrets active at once
    rotated = {"webhook_secrets": ["whsec_" + "B" * 43, "whsec_" + "A" * 43], "name": "Floreasca"}
    r = hub.put("/api/v1/hospitals/floreasca", json=rotated, headers=ADMIN)
    assert (
        r.status_code == 200 and r.json()["webhook_secrets_active"] == 2 and r.json()["name"] == "Floreasca"
    )
    near = hub.get("/api/v1/hospitals/nearby", params={"lat": 44.46, "lon": 26.10, "k": 1}, headers=SERVICE)
    assert near.json()["hospitals"][0]["id"] == "floreasca"
    assert near.json()["hospitals"][0]["hip_token"] == "hip-x"

    # deactivated hospitals leave the public list and the nearby search
    assert hub.put("/api/v1/hospitals/floreasca", json={"active": False}, headers=ADMIN).status_code == 200
    assert "floreasca" not in [h["id"] for h in hub.get("/api/v1/hospitals").json()["hospitals"]]

    r = hub.put("/api/v1/hospitals/nowhere", json={"name": "x"}, headers=ADMIN)
    assert r.status_code == 404 and r.json()["error"]["code"] == "hospital_not_found"


def test_registration_refuses_bad_secrets_and_unknown_fields(hub: TestClient) -> None:
    r = hub.post("/api/v1/hospitals", json=_new_hospital(webhook_secrets=["plain"]), headers=ADMIN)
    assert r.status_code == 422 and "whsec_" in r.json()["error"]["message"]
    r = hub.post("/api/v1/hospitals", json=_new_hospital(colour="red"), headers=ADMIN)
    assert r.status_code == 422
    r = hub.put("/api/v1/hospitals/titan", json={"webhook_secrets": ["nope"]}, headers=ADMIN)
    assert r.status_code == 422


def test_an_update_with_null_fields_is_refused_and_changes_nothing(hub: TestClient) -> None:
    # Found by schemathesis (tests/hardening): null webhook_url was a 500 (NOT NULL constraint), null
    # webhook_secrets stored None and broke every later view of the hospital.
    before = hub.put("/api/v1/hospitals/titan", json={}, headers=ADMIN).json()
    for patch in ({"webhook_url": None}, {"webhook_secrets": None, "name": "x"}, {"lat": None}):
        r = hub.put("/api/v1/hospitals/titan", json=patch, headers=ADMIN)
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "invalid_request" and "null is not a value" in error["message"]
    assert hub.put("/api/v1/hospitals/titan", json={}, headers=ADMIN).json() == before
    schema = hub.get("/openapi.json").json()["components"]["schemas"]["HospitalPatch"]["properties"]
    assert all("anyOf" not in prop and prop.get("type") for prop in schema.values())  # optional, not null
