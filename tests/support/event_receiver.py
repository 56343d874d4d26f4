"""A loopback receiver for Tidings' events: a real HTTP server in a thread that answers each request with the next
status from `answers` (then 200), keeps what it received, and checks each signature with the recipe
docs/webhooks.md gives receivers (`verify`, copied here as a receiver would copy it)."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_SECONDS = 300


def verify(secret: str, headers: Any, body: bytes, *, now: float | None = None) -> bool:
    """docs/webhooks.md, "Verifying in Python", as published."""
    timestamp = headers.get("X-Tidings-Timestamp", "")
    received = headers.get("X-Tidings-Signature", "")
    if not timestamp.isdigit() or not received.startswith("sha256="):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received, f"sha256={expected}")


@dataclass
class Request:
    headers: dict[str, str]
    raw: bytes
    # Checked with `verify` when it arrived, against the receiver's `secret`.
    signature_ok: bool

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.raw)  # type: ignore[no-any-return]


@dataclass
class Receiver:
    secret: str = ""
    answers: list[int] = field(default_factory=list)
    reply: bytes = b'{"ok": true}'
    received: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/events"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    ok = verify(receiver.secret, self.headers, raw)
                    receiver.received.append(Request(dict(self.headers.items()), raw, ok))
                    status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.reply)))
                self.end_headers()
                self.wfile.write(receiver.reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
