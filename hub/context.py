"""What a hub request handler needs (settings, sessions, the data box) and the bearer-token checks.

Two service identities: the bot (``hub_service_token``: nearby search, transcript intake) and the
operator (``hub_admin_token``: directory changes, transcript and delivery inspection), plus one
token per hospital (hub.hospital_tokens) for the calls about that hospital alone: join, re-check,
read, leave. An unconfigured token never authorises anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub import hospital_tokens
from hub.crypto import DataBox, tokens_equal
from qaid.api_errors import ApiError
from qaid.config import Settings


@dataclass
class HubContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    box: DataBox


def ctx(request: Request) -> HubContext:
    return request.app.state.hub


Hub = Annotated[HubContext, Depends(ctx)]


def session(hub: Hub) -> Iterator[Session]:
    with hub.sessions() as db:
        yield db


Db = Annotated[Session, Depends(session)]


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "Missing bearer token.", {"WWW-Authenticate": "Bearer"})
    return token.strip()


def require_admin(request: Request, hub: Hub) -> None:
    if not tokens_equal(_bearer(request), hub.settings.hub_admin_token):
        raise ApiError(401, "unauthorized", "Invalid admin token.", {"WWW-Authenticate": "Bearer"})


def require_service(request: Request, hub: Hub) -> None:
    if not tokens_equal(_bearer(request), hub.settings.hub_service_token):
        raise ApiError(401, "unauthorized", "Invalid service token.", {"WWW-Authenticate": "Bearer"})


def hospital_caller(request: Request, hub: Hub, db: Db) -> str | None:
    """Who calls a route about one hospital: the operator (None) or the hospital whose own token
    this is (its id); anyone else is refused (401) before the route runs."""
    token = _bearer(request)
    if tokens_equal(token, hub.settings.hub_admin_token):
        return None
    owner = hospital_tokens.owner(db, token)
    if owner is None:
        raise ApiError(
            401,
            "unauthorized",
            "Neither the admin token nor a hospital's token (current and unexpired): the hub operator "
            "issues one per hospital (python -m hub.admin hospitals token ID).",
            {"WWW-Authenticate": "Bearer"},
        )
    return owner


HospitalCaller = Annotated[str | None, Depends(hospital_caller)]


def only_for(caller: str | None, hospital_id: str) -> None:
    """A hospital's token acts on that hospital alone (the operator's on any)."""
    if caller is not None and caller != hospital_id:
        raise ApiError(
            403, "forbidden", f"This token is hospital {caller}'s; it cannot act for {hospital_id}."
        )


def require_hospital(hospital_id: str, caller: HospitalCaller) -> None:
    only_for(caller, hospital_id)
