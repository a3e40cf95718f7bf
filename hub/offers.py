"""Offers follow the HIP: the hub re-reads every live hospital's ``/v1/capabilities`` on a schedule.

The directory's offers (task -> topics) decide which hospitals the bot asks about an image. They are
read from the HIP at join time, but a HIP hot-swaps its bundle without telling the hub (a hospital's
own reload, a federated round publishing a new bundle), so a stored copy drifts: a task the new
bundle adds is never asked, one it drops is asked and refused. The delivery workers run
:func:`refresh` every ``QAID_OFFERS_REFRESH_S`` seconds (the hub's background jobs live there, next
to the retention purge), so the directory follows a swap within that period. However many workers
run, one of them refreshes per period: the one that takes the lease :data:`LEASE` (hub.leases,
``Worker.offers_tick``), so a HIP is asked once per period, not once per worker.

A hospital's own HIP URL (registered with its hospital token) is called at checked public addresses
only, resolved once per connection (hub.egress): a name that answered a public address at join time
cannot send the refresh into the hub's own network later.

What a refresh does, per active hospital (all asked in parallel, each with a short timeout):

* capabilities of a new bundle version, or offers that differ: store the HIP's offers and the
  bundle's identity (``hub.join.summary``) and log the change;
* a bundle that names another hospital (``hip_id``): take the hospital out of the directory with the
  reason, as the join check would have refused it (a HIP serving someone else's models must not
  answer patients in this hospital's name);
* no answer, a refused token, a malformed answer: keep what is stored and log it. A HIP that is down
  is the bot's business per request (it says which hospitals did not answer); flapping the directory
  on every timeout would only hide hospitals that come back a second later.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, cast

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub import directory, egress, join
from hub.crypto import DataBox
from hub.models import Hospital

__all__ = ["LEASE", "LONGEST_REFRESH_S", "Change", "refresh"]

log = logging.getLogger("hub.offers")

TIMEOUT_S = 5.0  # for a whole answer
MAX_BYTES = 1 << 20  # a HIP's capabilities are a few kB
LEASE = "offers_refresh"  # the hub.leases row the refreshing worker holds
# How long a refresh may take: the parallel asks (TIMEOUT_S each) plus two short database phases.
# The refreshing worker's lease covers it, so no other worker starts one meanwhile.
LONGEST_REFRESH_S = 4 * TIMEOUT_S


@dataclass(frozen=True)
class Change:
    """What a refresh changed for one hospital."""

    hospital_id: str
    what: str  # "offers" | "deactivated"
    detail: str


@dataclass(frozen=True)
class _Target:
    hospital_id: str
    hip_url: str  # as read: an answer is stored only if the registration still has this URL
    token: str
    public_only: bool  # called at checked public addresses only (hub.egress)

    @property
    def url(self) -> str:
        return self.hip_url.rstrip("/") + "/v1/capabilities"


def _targets(sessions: sessionmaker[Session], box: DataBox, allow_private: bool) -> list[_Target]:
    out: list[_Target] = []
    with sessions() as db:
        for h in db.scalars(select(Hospital).where(Hospital.active.is_(True))):
            try:
                token = str(directory.credentials(box, h).get("hip_token", ""))
            except Exception:  # a row this key cannot open must not stop the others' refresh
                log.warning("offers of %s not refreshed: its credentials cannot be opened", h.id)
                continue
            public = egress.public_only(h.urls_from_hospital, allow_private)
            out.append(_Target(h.id, h.hip_url, token, public))
    return out


async def _ask(client: httpx.AsyncClient, t: _Target) -> dict[str, Any] | None:
    """The HIP's capabilities if it answers in time, in size and in the contract's shape; else None."""
    try:
        r = await asyncio.wait_for(_get(client, t), TIMEOUT_S)  # whole answer, not per read
        caps = json.loads(r.content) if r.status_code == 200 else None
    except (httpx.HTTPError, ValueError, TimeoutError, _TooLarge) as exc:
        log.info("offers of %s not refreshed: %s", t.hospital_id, join.describe(exc))
        return None
    if not _well_formed(caps):
        log.warning("offers of %s not refreshed: its HIP answered %s, not capabilities", t.hospital_id,
                    r.status_code)  # fmt: skip
        return None
    return cast(dict[str, Any], caps)


class _TooLarge(Exception):
    pass


async def _get(client: httpx.AsyncClient, t: _Target) -> httpx.Response:
    async with client.stream("GET", t.url, headers={"Authorization": f"Bearer {t.token}"}) as r:
        body = bytearray()
        async for chunk in r.aiter_bytes():
            body += chunk
            if len(body) > MAX_BYTES:
                raise _TooLarge
        return httpx.Response(r.status_code, content=bytes(body))


def _well_formed(caps: Any) -> bool:
    """What :func:`_apply` reads, checked: offers task -> list of topic strings, models a list."""
    if not isinstance(caps, dict) or not isinstance(offers := caps.get("offers"), dict):
        return False
    topics_ok = all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in offers.values())
    return topics_ok and isinstance(caps.get("models", []), list)


def _offers(caps: dict[str, Any]) -> dict[str, list[str]]:
    return {str(t): sorted(map(str, topics)) for t, topics in caps["offers"].items()}


def _apply(sessions: sessionmaker[Session], answers: list[tuple[_Target, dict[str, Any]]]) -> list[Change]:
    changes: list[Change] = []
    with sessions() as db:
        for target, caps in answers:
            hospital_id = target.hospital_id
            h = db.get(Hospital, hospital_id)
            # deleted, deactivated or moved (a join or an update) while we were asking: the answer is
            # about a registration that no longer exists as it was
            if h is None or not h.active or h.hip_url != target.hip_url:
                continue
            if caps.get("hip_id") != hospital_id:
                h.active = False
                h.status_reason = (
                    f"hip_identity: the HIP now serves a bundle of hip_id {caps.get('hip_id')!r}, "
                    f"not {hospital_id!r} (run the join checks again once it serves its own)"
                )
                changes.append(Change(hospital_id, "deactivated", h.status_reason))
                continue
            offers, summary = _offers(caps), join.summary(caps)
            if offers == h.offers and summary == h.capabilities:
                continue
            before = (h.capabilities or {}).get("bundle_version")
            h.offers, h.capabilities = offers, summary
            changes.append(
                Change(hospital_id, "offers", f"bundle {before} -> {summary['bundle_version']}: {offers}")
            )
        db.commit()
    return changes


async def refresh(
    sessions: sessionmaker[Session], box: DataBox, tls: Any = True, allow_private: bool = False
) -> list[Change]:
    """Ask every active hospital's HIP for its capabilities and store what changed (see the module).
    ``allow_private``: QAID_JOIN_ALLOW_PRIVATE (hospitals' own URLs may be private addresses)."""
    targets = await asyncio.to_thread(_targets, sessions, box, allow_private)
    if not targets:
        return []
    async with (
        egress.async_client(False, verify=tls, timeout=TIMEOUT_S) as trusted,
        egress.async_client(True, verify=tls, timeout=TIMEOUT_S) as pinned,
    ):
        found = await asyncio.gather(*(_ask(pinned if t.public_only else trusted, t) for t in targets))
    answers = [(t, caps) for t, caps in zip(targets, found, strict=True) if caps is not None]
    changes = await asyncio.to_thread(_apply, sessions, answers)
    for c in changes:
        log.log(
            logging.WARNING if c.what == "deactivated" else logging.INFO,
            "%s %s: %s",
            c.hospital_id,
            c.what,
            c.detail,
        )
    return changes
