"""Pure ASGI middleware: request ids, body size limit (413) and JSON-only bodies (415).

Bodies are read in full (up to the limit) before the app sees them, so an oversized or
chunked upload is refused before any handler runs.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_MEDIA_TYPE, problem_body

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID.match(given) else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        if b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]:
            await self._refuse(
                send_with_id,
                request_id,
                422,
                "validation_error",
                "Invalid input",
                "the URL must not contain the NUL character",
            )
            return
        if scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send_with_id)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body_bytes:
                await self._refuse(
                    send_with_id,
                    request_id,
                    413,
                    "payload_too_large",
                    "Payload too large",
                    f"the body exceeds {self.max_body_bytes} bytes",
                )
                return
        if body and not _is_json(_header(scope, b"content-type")):
            await self._refuse(
                send_with_id,
                request_id,
                415,
                "unsupported_media_type",
                "Unsupported media type",
                "send the body as application/json",
            )
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_id)

    @staticmethod
    async def _refuse(send: Send, request_id: str, status: int, code: str, title: str, detail: str) -> None:
        payload: Any = orjson.dumps(problem_body(status, code, title, detail, request_id))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
