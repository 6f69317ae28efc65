"""Errors the domain and services raise; `app.errors` renders them as problem+json."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One invalid input: where it is (`lines[0].amount`) and what is wrong."""

    field: str
    message: str


class DomainError(Exception):
    """A refusal the caller can act on; carries its HTTP status without knowing HTTP."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldProblem] | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra or {}


class InvalidInput(DomainError):
    status = 422
    code = "validation_error"
    title = "Invalid input"

    @classmethod
    def at(cls, field: str, message: str) -> InvalidInput:
        """Refuse one field, naming it."""
        return cls(f"{field}: {message}", errors=[FieldProblem(field, message)])


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    title = "Unauthorized"


class Busy(DomainError):
    """Contention that outlasted our retries; safe to retry later."""

    status = 503
    code = "busy"
    title = "Service busy"


class PreconditionFailed(DomainError):
    """`If-Match` names a version that is no longer current: re-read, then retry."""

    status = 412
    code = "precondition_failed"
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    """A write that could silently undo someone else's change must say which version it replaces."""

    status = 428
    code = "precondition_required"
    title = "Precondition required"


class RateLimited(DomainError):
    """The API key used up its requests for this window; `Retry-After` says when to try again."""

    status = 429
    code = "rate_limited"
    title = "Too many requests"
