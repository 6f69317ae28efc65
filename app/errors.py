"""The only module that knows HTTP errors: RFC 9457 problem+json for every failure.

Every problem carries `type`, `title`, `status`, `detail`, a stable machine `code` and the
`request_id`; validation problems add `errors: [{field, message}]`. A 500 says nothing of
its cause to the caller.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import Busy, DomainError, FieldProblem, error_codes

log = logging.getLogger("app.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://docs.profit-loyalty.example/problems/"


#: Codes this module answers itself, besides those of `DomainError` subclasses.
HTTP_CODES = {
    "malformed_json": "Malformed JSON",
    "payload_too_large": "Request body too large",
    "unsupported_media_type": "Unsupported media type",
    "method_not_allowed": "Method not allowed",
    "internal_error": "Internal server error",
}


def code_description() -> str:
    """The `code` field's description: every code, once all areas' errors are imported."""
    return "Stable machine-readable error code, one of:\n" + "\n".join(
        f"- `{code}`: {title}" for code, title in sorted({**error_codes(), **HTTP_CODES}.items())
    )


class FieldError(BaseModel):
    field: str = Field(examples=["lines[0].amount"])
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable error code.")
    request_id: str | None = None
    errors: list[FieldError] | None = None
    existing_id: str | None = Field(default=None, description="The conflicting resource, on a duplicate.")
    field: str | None = Field(
        default=None,
        description="`duplicate_member`: the field that collides (phone, email or external_ref).",
    )
    merged_into: str | None = Field(
        default=None, description="`member_merged`: the member it was merged into."
    )
    balance: str | None = Field(
        default=None,
        pattern=r"^-?[0-9]+\.[0-9]{2}$",
        description="`insufficient_balance`: the balance, in points.",
    )
    alert_status: str | None = Field(default=None, description="`alert_state`: where the alert is.")
    voucher_status: str | None = Field(default=None, description="`voucher_not_issued`: used or voided.")
    tier: str | None = Field(default=None, description="`service_not_allowed`: the member's tier.")
    service_type: str | None = Field(default=None, description="`service_not_allowed`: the service refused.")


def problem_body(status: int, code: str, title: str, detail: str, request_id: str | None) -> dict[str, Any]:
    return {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id,
    }


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    errors: Sequence[FieldProblem] = (),
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = problem_body(status, code, title, detail, getattr(request.state, "request_id", None))
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    if extra:  # an object's own state goes by another name: `status` is the HTTP status
        body.update({k: v for k, v in extra.items() if k not in body})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def field_name(loc: Sequence[int | str]) -> str:
    """`("body", "lines", 0, "amount")` → `lines[0].amount`."""
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or (str(loc[0]) if loc else "body")


def refusal(request: Request, exc: DomainError | PoolTimeout) -> JSONResponse:
    """The problem for a refusal; an exhausted connection pool is overload: 503, retry later."""
    if isinstance(exc, PoolTimeout):
        exc = Busy("every database connection is in use; retry shortly")
    headers = {"Retry-After": "1"} if exc.status == 503 else None
    if exc.status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    return problem_response(
        request,
        exc.status,
        exc.code,
        exc.title,
        exc.detail,
        errors=exc.errors,
        extra=exc.extra,
        headers=headers,
    )


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError | PoolTimeout)
    return refusal(request, exc)


def _malformed_json(request: Request) -> JSONResponse:
    return problem_response(
        request,
        422,
        "malformed_json",
        "Malformed JSON",
        "the request body is not valid UTF-8 JSON",
        errors=[FieldProblem("body", "not valid JSON")],
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    if any(e.get("type") == "json_invalid" for e in raw):
        return _malformed_json(request)
    problems = [
        FieldProblem(field_name(e.get("loc", ())), str(e.get("msg", "invalid")).removeprefix("Value error, "))
        for e in raw
    ]
    detail = "; ".join(f"{p.field}: {p.message}" for p in problems[:5])
    return problem_response(request, 422, "validation_error", "Invalid input", detail, errors=problems)


def _allowed_methods(request: Request) -> list[str]:
    """Every method the contract offers on this path (FastAPI routes one method each).

    A literal segment beats a parameter: `/v1/transactions/quote` is not `/{transaction_id}`.
    """
    table: list[tuple[int, re.Pattern[str], set[str]]] | None = getattr(
        request.app.state, "allow_table", None
    )
    if table is None:
        table = [
            (
                path.count("{"),
                re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$"),
                {m.upper() for m in ops},
            )
            for path, ops in request.app.openapi().get("paths", {}).items()
        ]
        request.app.state.allow_table = table
    matches = [(params, offered) for params, pattern, offered in table if pattern.match(request.url.path)]
    if not matches:
        return []
    fewest = min(params for params, _ in matches)
    return sorted(set().union(*(offered for params, offered in matches if params == fewest)))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        allow = ", ".join(_allowed_methods(request))
        return problem_response(
            request,
            405,
            "method_not_allowed",
            "Method not allowed",
            f"{request.method} is not allowed here; allowed: {allow}",
            headers={"Allow": allow},
        )
    if exc.status_code == 400:  # FastAPI's "error parsing the body" (e.g. invalid UTF-8)
        return _malformed_json(request)
    if exc.status_code == 404:
        return problem_response(request, 404, "not_found", "Not found", f"no resource at {request.url.path}")
    return problem_response(
        request,
        exc.status_code,
        f"http_{exc.status_code}",
        str(exc.detail),
        str(exc.detail),
        headers=dict(exc.headers or {}),
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    log.exception("unhandled error (request_id=%s)", request_id)
    return problem_response(  # rendered outside the middleware that adds X-Request-ID elsewhere
        request,
        500,
        "internal_error",
        "Internal server error",
        "the server failed to handle this request; quote the request_id when reporting it",
        headers={"X-Request-ID": request_id} if request_id else None,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _refused)
    app.add_exception_handler(PoolTimeout, _refused)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing or invalid API key",
    403: "The API key lacks the scope (`missing_scope`) or acts for another store (`store_not_allowed`)",
    404: "Not found, or not visible to this caller (another store's, or beyond a member token's member)",
    405: "Method not allowed",
    409: "Conflict with the current state (duplicate, short balance, in progress)",
    413: "Request body too large",
    412: "`If-Match` does not match the current `ETag`: read the resource again",
    415: "Unsupported media type (send application/json)",
    422: "Invalid input; `errors` names each field",
    428: "`If-Match` is required on this write: send the `ETag` of the version you read",
    429: "Rate limit reached for this API key; retry after `Retry-After` seconds",
    500: "Internal error (nothing about it is disclosed)",
    503: "Busy (concurrent updates or every connection in use); retry after `Retry-After` seconds",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status documented as problem+json.

    422 (any operation refuses unknown query parameters) and 500 (what an unexpected failure
    looks like) are always included.
    """
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in sorted({*statuses, 422, 500})
    }
