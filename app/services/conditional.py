"""Entity tags of representations, and the `If-Match` check writes make against them.

A tag is a digest of the JSON the caller reads, so it changes exactly when the representation
does; writes compare it inside their transaction, after taking the lock that serialises them.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel

from app.domain.errors import PreconditionFailed, PreconditionRequired


def etag(model: BaseModel) -> str:
    """A strong tag: the quoted, truncated SHA-256 of the model's JSON."""
    return etag_of(model.__pydantic_serializer__.to_json(model))


def etag_of(json: bytes) -> str:
    """The tag of a representation already serialised (`etag` of its model)."""
    return '"' + hashlib.sha256(json).hexdigest()[:32] + '"'


def matches(header: str | None, current: str, *, weak: bool = True) -> bool:
    """Whether a tag list names `current`: weak comparison for `If-None-Match`, strong
    (a `W/` tag never matches) for `If-Match` (RFC 9110, 8.8.3.2)."""
    if header is None:
        return False
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if weak:
        tags = [tag.removeprefix("W/") for tag in tags]
    return "*" in tags or current in tags


def check_if_match(current: BaseModel, if_match: str | None, *, required: bool) -> None:
    """Refuse a write whose `If-Match` names another version (412) or, when `required`, none (428)."""
    if if_match is None:
        if required:
            raise PreconditionRequired("send If-Match with the ETag of the version you read")
        return
    if not matches(if_match, etag(current), weak=False):
        raise PreconditionFailed("the resource changed since you read it; read it again and retry")
