"""Conditional requests: `ETag` on reads, `If-None-Match` → 304, `If-Match` on writes.

The tags come from `app.services.conditional`; this module only speaks HTTP: the header
parameters, the 304, and how they appear in the contract.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Response
from pydantic import BaseModel

from app.services.conditional import etag, matches

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=1000,
        description="The `ETag` of the version this write replaces; 412 when it is no longer current.",
    ),
]
IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        max_length=1000,
        description="The `ETag` the caller holds; 304 with no body when it is still current.",
    ),
]

ETAG_HEADER = {"ETag": {"description": "The representation's entity tag.", "schema": {"type": "string"}}}
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` tag is current", "headers": ETAG_HEADER}
}


def tagged(status: int = 200) -> dict[int | str, dict[str, Any]]:
    """`responses=` entry declaring the ETag header on a success."""
    return {status: {"description": "Successful response", "headers": ETAG_HEADER}}


def respond(response: Response, model: BaseModel, if_none_match: str | None) -> Any:
    """The model with its ETag, or an empty 304 when the caller's `If-None-Match` is current."""
    tag = etag(model)
    if matches(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return model


def set_etag(response: Response, model: BaseModel) -> BaseModel:
    response.headers["ETag"] = etag(model)
    return model
