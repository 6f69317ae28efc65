"""A webhook receiver on loopback for the tests, and a signature check written from the spec.

The check follows the Standard Webhooks specification with the standard library only (it
does not import the application's signing code): the key is the base64 after `whsec_`, the
signed content `{webhook-id}.{webhook-timestamp}.{body}`, the signature base64 HMAC-SHA256,
and the header a space-separated list of `v1,<signature>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """True when one of the `v1` signatures in `headers` was made with `secret`."""
    key = base64.b64decode(secret.split("_", 1)[1])
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest())
    for part in headers["webhook-signature"].split(" "):
        version, _, signature = part.partition(",")
        if version == "v1" and hmac.compare_digest(expected, signature.encode()):
            return True
    return False


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


@dataclass
class Receiver:
    """`mode`: "ok" (204), "fail" (500), "block" (hold until `release` is set, then 200), "drop"."""

    mode: str = "ok"
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]


def start(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            receiver.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            receiver.arrived.set()
            if receiver.mode == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if receiver.mode == "block":
                receiver.release.wait(30)
            self.send_response(500 if receiver.mode == "fail" else 204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    return server
