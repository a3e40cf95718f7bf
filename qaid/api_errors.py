"""The one error contract of every Q&Aid HTTP service: ``{"error": {"code": ..., "message": ...}}``.

FastAPI answers validation errors, malformed JSON and unknown routes each in a shape of its own;
clients (the bot, the launcher's checks, hospital tooling) should need exactly one parser, so the
HIP, the hub and every inbox install these handlers (docs/api.md). An unexpected exception becomes a
500 in the same shape: the traceback goes to the server log, the client learns nothing internal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from qaid import errors
from qaid_contracts.errors import INTERNAL_ERROR, INVALID_REQUEST, MALFORMED_JSON, STATUS_CODES

_MAX_LISTED = 5  # validation problems named in one message

# How each kind of domain error answers over HTTP: the one place domain kinds meet statuses.
DOMAIN_STATUS: dict[type[errors.DomainError], int] = {
    errors.EmptyInput: 400,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.TooLarge: 413,
    errors.UnsupportedType: 415,
    errors.Invalid: 422,
    errors.Unavailable: 503,
}


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


_COMMON_ERRORS = (400, 401, 404, 409, 413, 415, 422, 503)


def error_responses(*extra: int, html: bool = False) -> dict[int | str, dict[str, Any]]:
    """For ``responses=`` on a route or router: the common error statuses (plus ``extra``) in the one
    shape, so the OpenAPI schema documents every status a client can get.

    ``html``: for a route answering HTML, whose errors FastAPI would otherwise label ``text/html``
    (its ``ErrorResponse`` component must come from another route, as it does in every service).
    """
    entry: dict[str, Any] = {"model": ErrorResponse}
    if html:
        ref = {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}
        entry = {"description": "Error", "content": {"application/json": ref}}
    return {status: entry for status in sorted({*_COMMON_ERRORS, *extra})}


ERROR_RESPONSES = error_responses()


class ApiError(Exception):
    """An expected failure with a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def domain_status(exc: errors.DomainError) -> tuple[int, str, str, dict[str, str] | None]:
    """(status, code, message, headers) of a domain error, by its kind."""
    status = next(s for kind, s in DOMAIN_STATUS.items() if isinstance(exc, kind))
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, errors.Unavailable) else None
    return status, exc.code, exc.message, headers


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(status_code=status, content=body, headers=dict(headers) if headers else None)


def describe_validation(errors: list[Any], coded_types: Collection[str] = ()) -> tuple[int, str, str]:
    """(status, code, message) for pydantic errors: a coded type wins, then malformed JSON, else a summary.

    ``coded_types`` are error types (raised with ``PydanticCustomError``) that are an API code of
    their own, e.g. the hub's ``consent_required``.
    """
    for err in errors:
        if err.get("type") in coded_types:
            return 422, err["type"], err.get("msg", err["type"])
    if any(err.get("type") == "json_invalid" for err in errors):
        return 400, MALFORMED_JSON, "The request body is not valid JSON."
    parts = []
    for err in errors[:_MAX_LISTED]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {err.get('msg', 'invalid')}")
    more = f" (and {len(errors) - _MAX_LISTED} more)" if len(errors) > _MAX_LISTED else ""
    return 422, INVALID_REQUEST, ("; ".join(parts) or "The request is invalid.") + more


async def read_limited_body(request: Request, limit: int, error: Exception) -> bytes:
    """The raw body; raises ``error`` (by Content-Length, else while streaming) once past ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise error
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise error
        chunks.append(chunk)
    return b"".join(chunks)


def _mapped_handler(convert: Callable[[Any], ApiError]) -> Callable[[Request, Exception], Any]:
    async def handler(_: Request, exc: Exception) -> JSONResponse:
        err = convert(exc)
        return error_response(err.status, err.code, err.message, err.headers)

    return handler


def install_error_handlers(
    app: FastAPI,
    *,
    extra: Mapping[type[Exception], Callable[[Any], ApiError]] | None = None,
    coded_types: Collection[str] = (),
    model_validation: bool = False,
    logger: logging.Logger | None = None,
) -> None:
    """Answer every error of ``app`` in the one shape.

    ``extra`` maps a service's own exception types to an :class:`ApiError` (the HIP maps
    ``qaid.imaging.ImageError``). ``coded_types``: see :func:`describe_validation`. With
    ``model_validation`` a pydantic ``ValidationError`` escaping a route (a body validated by hand)
    is the client's 422 too; without it, it is a bug like any other (500). ``logger`` receives the
    traceback of unexpected exceptions.
    """
    log = logger or logging.getLogger("qaid.api")

    def _validation(exc: RequestValidationError | ValidationError) -> JSONResponse:
        return error_response(*describe_validation(list(exc.errors()), coded_types))

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(errors.DomainError)
    async def _domain_error(_: Request, exc: errors.DomainError) -> JSONResponse:
        return error_response(*domain_status(exc))

    for exc_type, to_api_error in (extra or {}).items():
        app.add_exception_handler(exc_type, _mapped_handler(to_api_error))

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation(exc)

    if model_validation:

        @app.exception_handler(ValidationError)
        async def _model_validation(_: Request, exc: ValidationError) -> JSONResponse:
            return _validation(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = STATUS_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code
        return error_response(exc.status_code, code, message, exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, INTERNAL_ERROR, "An internal error occurred.")
