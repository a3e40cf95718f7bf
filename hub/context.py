"""What a hub request handler needs (settings, sessions, the data box) and the bearer-token checks.

Two service identities: the bot (``hub_service_token``: nearby search, transcript intake) and the
operator (``hub_admin_token``: directory changes, transcript and delivery inspection). An
unconfigured token never authorises anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

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
