"""Answers of the fake hub and HIPs: every JSON answer is built from the contract's TypedDicts and
validated against the JSON Schema generated from the real service's models (``utils.contract``)
before it is sent, and every error is in the one error shape."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from utils.contract import check

from qaid_contracts.errors import ErrorDetail, ErrorResponse


def reply(schema: str, body: Any, status: int = 200) -> web.Response:
    """A JSON answer in the real service's shape (validated against contract schema ``schema``)."""
    return web.json_response(check(schema, body), status=status)


def fail(status: int, code: str, message: str = "refused") -> web.HTTPException:
    """An error in the one error shape, to raise from a handler."""
    body = check("errors.ErrorResponse", ErrorResponse(error=ErrorDetail(code=code, message=message)))
    kinds: dict[int, type[web.HTTPException]] = {
        401: web.HTTPUnauthorized,
        403: web.HTTPForbidden,
        404: web.HTTPNotFound,
        409: web.HTTPConflict,
        422: web.HTTPUnprocessableEntity,
        500: web.HTTPInternalServerError,
    }
    return kinds[status](text=json.dumps(body), content_type="application/json")
