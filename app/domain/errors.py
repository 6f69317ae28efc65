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


class DuplicateReceipt(Conflict):
    """The store's receipt (`store_id`, `external_id`) was already posted; `existing_id` names it."""

    code = "duplicate_receipt"
    title = "Receipt already posted"


class DuplicateMember(Conflict):
    """A live member already has the phone, email or external_ref; `existing_id` names it."""

    code = "duplicate_member"
    title = "Duplicate member"


class DuplicateServiceType(Conflict):
    code = "duplicate_service_type"
    title = "Service type exists"


class DuplicateStore(Conflict):
    code = "duplicate_store"
    title = "Store exists"


class NothingToRefund(Conflict):
    code = "nothing_to_refund"
    title = "Nothing left to refund"


class InsufficientBalance(Conflict):
    code = "insufficient_balance"
    title = "Insufficient balance"


class AlreadyReversed(Conflict):
    code = "already_reversed"
    title = "Already reversed"


class VoucherNotIssued(Conflict):
    """The voucher was used or voided already (`status` says which)."""

    code = "voucher_not_issued"
    title = "Voucher not usable"


class AlertClosed(Conflict):
    """The alert has moved past the state this action needs (`status` says where it is)."""

    code = "alert_state"
    title = "Alert state does not allow this"


class IdempotencyKeyInUse(Conflict):
    """A request with this Idempotency-Key is still running; retry shortly."""

    code = "idempotency_key_in_use"
    title = "Idempotency-Key in use"


class SecretNotReplayed(Conflict):
    """The Idempotency-Key created a key or token whose secret is shown only once."""

    code = "secret_not_replayed"
    title = "Secret shown only once"


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"
    title = "Idempotency-Key reused"


class MissingScope(Forbidden):
    code = "missing_scope"
    title = "Missing scope"


class StoreNotAllowed(Forbidden):
    """The key is bound to another store than the one the request acts for."""

    code = "store_not_allowed"
    title = "Store not allowed"


class ScopeNotAllowed(Forbidden):
    """A key may not create a key with a scope it does not hold itself."""

    code = "scope_not_allowed"
    title = "Scope not allowed"


def error_codes() -> dict[str, str]:
    """Every stable `code` a DomainError can carry, with its title (for the contract and docs)."""
    found: dict[str, str] = {}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, cls.title)
        pending.extend(cls.__subclasses__())
    return found
