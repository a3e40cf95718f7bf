"""Hospital directory routes: the public list, the bot's nearby search, admin registration, joining
with checks (hub.join), re-checking and deleting."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from hub import directory, egress, join
from hub.context import Db, HospitalCaller, Hub, only_for, require_admin, require_hospital, require_service
from hub.models import Hospital
from hub.schemas import (
    AdminHospital,
    HospitalDeleted,
    HospitalList,
    JoinReport,
    NearbyHospital,
    NearbyHospitals,
    TestEventReport,
)
from hub.worker import webhook_tls
from qaid.api_errors import ERROR_RESPONSES, ApiError, error_responses
from qaid_contracts.errors import HOSPITAL_EXISTS, HOSPITAL_NOT_FOUND, INVALID_REQUEST, TOO_MANY_REQUESTS
from qaid_contracts.ratelimit import retry_after

router = APIRouter(prefix="/api/v1/hospitals", tags=["hospitals"], responses=ERROR_RESPONSES)


@router.get("", response_model=HospitalList)
def list_hospitals(db: Db) -> HospitalList:
    """Public directory (no credentials, no endpoints): what the web page may show a patient."""
    rows = db.scalars(select(Hospital).where(Hospital.active.is_(True)).order_by(Hospital.id))
    return HospitalList(hospitals=[directory.public_view(h) for h in rows])


@router.get("/nearby", dependencies=[Depends(require_service)], response_model=NearbyHospitals)
def nearby(
    db: Db,
    hub: Hub,
    lat: float = Query(ge=-90, le=90),
    lon: float = Query(ge=-180, le=180),
    radius_km: float | None = Query(default=None, gt=0, le=20_000),
    k: int = Query(default=5, ge=1, le=50),
) -> NearbyHospitals:
    """Nearest active hospitals first, with what the bot needs to call each one's HIP."""
    radius = radius_km if radius_km is not None else hub.settings.nearby_radius_km
    out = []
    for h, dist in directory.nearby(db, lat, lon, radius, k):
        creds = directory.credentials(hub.box, h)
        out.append(
            NearbyHospital(
                **directory.public_view(h).model_dump(),
                distance_km=round(dist, 3),
                hip_url=h.hip_url,
                hip_token=str(creds.get("hip_token", "")),
                # the rule the hub's own calls to this HIP follow (hub.egress), so the bot pins as it does
                hip_public_only=egress.public_only(h.urls_from_hospital, hub.settings.join_allow_private),
            )
        )
    return NearbyHospitals(hospitals=out)


@router.post("", status_code=201, dependencies=[Depends(require_admin)], response_model=AdminHospital)
def register(data: directory.HospitalIn, db: Db, hub: Hub) -> AdminHospital:
    h = directory.register(db, hub.box, data)
    if h is None:
        raise ApiError(409, HOSPITAL_EXISTS, f"Hospital {data.id} is already registered; use PUT.")
    db.commit()
    return directory.admin_view(h, hub.box)


@router.get("/{hospital_id}", dependencies=[Depends(require_hospital)], response_model=AdminHospital)
def show(hospital_id: str, db: Db, hub: Hub) -> AdminHospital:
    """One registration as the operator sees it: live or not and why, the bundle it serves, its offers
    (kept up to date by hub.offers)."""
    h = db.get(Hospital, hospital_id)
    if h is None:
        raise ApiError(404, HOSPITAL_NOT_FOUND, f"No hospital {hospital_id}.")
    return directory.admin_view(h, hub.box)


@router.put("/{hospital_id}", dependencies=[Depends(require_admin)], response_model=AdminHospital)
def update(
    hospital_id: str,
    patch: directory.HospitalPatch,
    db: Db,
    hub: Hub,
) -> AdminHospital:
    h = directory.update(db, hub.box, hospital_id, patch)
    if h is None:
        raise ApiError(404, HOSPITAL_NOT_FOUND, f"No hospital {hospital_id}.")
    db.commit()
    return directory.admin_view(h, hub.box)


def _checked(db: Db, hub: Hub, h: Hospital) -> JoinReport:
    tls = webhook_tls(hub.settings.webhook_ca_file)
    outcome = join.verify(db, hub.box, h, tls, hub.settings.join_allow_private)
    db.commit()
    view = directory.admin_view(h, hub.box)
    return JoinReport(hospital=view, active=h.active, reason=outcome.reason, checks=outcome.checks)


@router.post("/join", response_model=JoinReport)
def join_network(data: directory.HospitalJoin, caller: HospitalCaller, db: Db, hub: Hub) -> JoinReport:
    """Register (or update) a hospital, then prove its setup (hub.join): it goes live only when
    every check passes; otherwise it stays inactive and ``reason`` says which check failed. The
    caller is the operator or the hospital of ``data.id`` with its own token."""
    only_for(caller, data.id)
    if caller is not None and not hub.settings.join_allow_private:
        # A clear 422 now; the calls themselves are pinned to checked addresses (hub.egress).
        for field, url in (("hip_url", data.hip_url), ("webhook_url", data.webhook_url)):
            if (why := egress.private_target(url)) is not None:
                raise ApiError(422, INVALID_REQUEST, f"{field}: {why} (the hub operator allows private "
                               "addresses with QAID_JOIN_ALLOW_PRIVATE)")  # fmt: skip
    h = directory.register_for_join(db, hub.box, data, by_hospital=caller is not None)
    db.commit()
    return _checked(db, hub, h)


@router.post("/{hospital_id}/verify", dependencies=[Depends(require_hospital)], response_model=JoinReport)
def verify(hospital_id: str, db: Db, hub: Hub) -> JoinReport:
    """Run the join checks again: after a hot swap (offers and model hashes are re-read from the
    HIP), a rotated secret or a moved endpoint. A failure takes the hospital offline with the reason."""
    h = db.get(Hospital, hospital_id)
    if h is None:
        raise ApiError(404, HOSPITAL_NOT_FOUND, f"No hospital {hospital_id}.")
    return _checked(db, hub, h)


@router.post(
    "/{hospital_id}/test-event",
    dependencies=[Depends(require_hospital)],
    response_model=TestEventReport,
    responses=error_responses(429),
)
def test_event(hospital_id: str, db: Db, hub: Hub) -> TestEventReport:
    """ "Send test event": a signed ``webhook.test`` event to the registered webhook, then a wrongly
    signed copy, reported as status codes (never response bodies). Changes nothing at the hub. One
    per hospital per ``QAID_TEST_EVENT_EVERY_S`` (429 with Retry-After before that)."""
    h = db.get(Hospital, hospital_id)
    if h is None:
        raise ApiError(404, HOSPITAL_NOT_FOUND, f"No hospital {hospital_id}.")
    every = hub.settings.test_event_every_s
    if (wait := join.test_event_wait(db, hospital_id, every)) > 0:
        message = f"One test event per {every:g} s per hospital; try again after Retry-After seconds."
        raise ApiError(429, TOO_MANY_REQUESTS, message, {"Retry-After": retry_after(wait)})
    creds = directory.credentials(hub.box, h)
    return join.send_test_event(
        h, creds, webhook_tls(hub.settings.webhook_ca_file), hub.settings.join_allow_private
    )


@router.delete("/{hospital_id}", dependencies=[Depends(require_hospital)], response_model=HospitalDeleted)
def delete(hospital_id: str, db: Db) -> HospitalDeleted:
    """Leave the network: the registration and its delivery records go, queued deliveries are not
    sent, stored transcripts stay until the retention purge, and the id can be registered again
    (with a new hospital token: the old one goes with the registration)."""
    result = directory.delete(db, hospital_id)
    if result is None:
        raise ApiError(404, HOSPITAL_NOT_FOUND, f"No hospital {hospital_id}.")
    db.commit()
    return HospitalDeleted(id=hospital_id, deliveries_cancelled=result[0], deliveries_removed=result[1])
