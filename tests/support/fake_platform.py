"""A fake publishing platform for tests and benchmarks, over real loopback HTTP.

It receives Tidings' signed webhook posts, counts them by idempotency key (a repeat of a key is answered with the
first post, as platforms with idempotency keys do), and injects faults on request: 5xx, 429 with Retry-After,
auth failures, permanent 4xx, timeouts after the post was stored, and latency.
"""

import hashlib
import hmac
import json
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _QuietServer(ThreadingHTTPServer):
    request_queue_size = 1024  # the default backlog of 5 resets connections under a burst

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-request (a killed worker, a timeout) is expected here; anything else is not.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


# A fault is decided per request: None to behave, or one of these.
FAULTS = ("500", "503", "429", "401", "422", "timeout")


@dataclass
class Received:
    key: str
    body: dict[str, Any]
    signature_ok: bool


@dataclass
class FakePlatform:
    secret: str = "webhook-secret"
    latency: float = 0.0
    timeout_sleep: float = 2.0
    retry_after: str = "1"
    decide_fault: Callable[[str, int], str | None] = field(default=lambda key, attempt: None)
    posts: dict[str, Received] = field(default_factory=dict)
    attempts: Counter[str] = field(default_factory=Counter)
    faults_sent: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def start(self) -> "FakePlatform":
        platform = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle on, each answer waits ~40 ms for an ACK.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                platform.handle(self)

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", "0"))
        raw = request.rfile.read(length)
        key = request.headers.get("Idempotency-Key", "")
        timestamp = request.headers.get("X-Tidings-Timestamp", "")
        expected = (
            "sha256=" + hmac.new(self.secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
        )
        signature_ok = hmac.compare_digest(expected, request.headers.get("X-Tidings-Signature", ""))
        with self.lock:
            self.attempts[key] += 1
            attempt = self.attempts[key]
        if self.latency:
            time.sleep(self.latency)
        fault = self.decide_fault(key, attempt)
        with self.lock:
            stored = key in self.posts
        if stored and fault in ("401", "422"):
            fault = None  # the post exists: a platform with idempotency keys answers with it, whatever else
        if fault:
            with self.lock:
                self.faults_sent[fault] += 1
        if fault in ("500", "503"):
            return self._answer(request, int(fault), {"error": "server trouble"})
        if fault == "429":
            return self._answer(request, 429, {"error": "slow down"}, {"Retry-After": self.retry_after})
        if fault == "401" or not signature_ok:
            return self._answer(request, 401, {"error": "bad signature"})
        if fault == "422":
            return self._answer(request, 422, {"error": "text rejected by policy"})
        with self.lock:
            first = self.posts.setdefault(key, Received(key, json.loads(raw), signature_ok))
        if fault == "timeout":
            time.sleep(self.timeout_sleep)
        self._answer(request, 200, {"id": f"post-{first.key[:8]}", "url": f"https://fake.example/p/{first.key}"})

    def _answer(
        self, request: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout); the post may already be stored, which is the point

    def received_for(self, key: str) -> int:
        with self.lock:
            return self.attempts[key]


def random_faults(rate: float, *, seed: int = 7, kinds: tuple[str, ...] = ("500", "429", "timeout")) -> Callable:
    """Each request fails with probability `rate`, with a kind drawn from `kinds`."""
    rng = random.Random(seed)
    lock = threading.Lock()

    def decide(key: str, attempt: int) -> str | None:
        with lock:
            if rng.random() < rate:
                return rng.choice(kinds)
        return None

    return decide
