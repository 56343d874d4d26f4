"""A loopback server that speaks OpenAI's Chat Completions API, so tests run the real `openai` client over HTTP.

Tests script what it answers, request by request: a reply (whole or streamed as server-sent events with a final
usage chunk), an HTTP error with headers, or a hang past the client's timeout. It records every request.
"""

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    text: str = "A post written by the fake model."
    tokens_in: int = 42
    tokens_out: int = 17
    finish_reason: str = "stop"
    # Streaming only: stop sending after this many chunks and hang (until the test ends).
    stall_after: int | None = None


@dataclass(frozen=True)
class Fail:
    status: int
    message: str = "Something went wrong."
    headers: dict[str, str] = field(default_factory=dict)
    type: str = "server_error"


@dataclass(frozen=True)
class Hang:
    seconds: float = 10.0


@dataclass(frozen=True)
class Raw:
    """An answer that is not the API's: a web page, say, from a service that is not a provider."""

    body: str
    content_type: str = "text/html"


Behaviour = Reply | Fail | Hang | Raw


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def prompt(self) -> str:
        return "\n".join(message["content"] for message in self.body["messages"])


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: deque[Behaviour] = deque()
        self.default: Callable[[Request], Behaviour] = lambda request: Reply()
        self.requests: list[Request] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def then(self, *behaviours: Behaviour) -> "FakeOpenAI":
        """Answer the next requests with these, in order; after them, with `default`."""
        self.script.extend(behaviours)
        return self

    def start(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next(self, request: Request) -> Behaviour:
        with self._lock:
            self.requests.append(request)
            return self.script.popleft() if self.script else self.default(request)


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            if self.path != "/v1/chat/completions":
                self._json(404, {"error": {"message": f"No route {self.path}", "type": "invalid_request_error"}})
                return
            request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            behaviour = fake._next(request)
            if isinstance(behaviour, Hang):
                fake.release.wait(behaviour.seconds)
                return
            if isinstance(behaviour, Raw):
                self._raw(behaviour)
            elif isinstance(behaviour, Fail):
                error = {"error": {"message": behaviour.message, "type": behaviour.type, "code": None}}
                self._json(behaviour.status, error, behaviour.headers)
            elif body.get("stream"):
                self._stream(body, behaviour)
            else:
                self._json(200, _completion(body, behaviour))

        def _raw(self, raw: Raw) -> None:
            data = raw.body.encode()
            self.send_response(200)
            self.send_header("Content-Type", raw.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, body: dict[str, Any], reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            words = reply.text.split(" ")
            pieces = [word + (" " if n < len(words) - 1 else "") for n, word in enumerate(words)]
            for n, piece in enumerate(pieces):
                if n == reply.stall_after:
                    fake.release.wait(10)
                    return
                delta = {"role": "assistant", "content": piece} if n == 0 else {"content": piece}
                last = n == len(pieces) - 1
                self._event(_chunk(body, [{"index": 0, "delta": delta, "finish_reason": None}]))
                if last:
                    self._event(_chunk(body, [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]))
            if (body.get("stream_options") or {}).get("include_usage"):
                self._event(_chunk(body, [], usage=_usage(reply)))
            self.wfile.write(b"data: [DONE]\n\n")

        def _event(self, payload: dict[str, Any]) -> None:
            self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
            self.wfile.flush()

    return Handler


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.tokens_in,
        "completion_tokens": reply.tokens_out,
        "total_tokens": reply.tokens_in + reply.tokens_out,
    }


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": _usage(reply),
    }


def _chunk(body: dict[str, Any], choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body["model"],
        "choices": choices,
        "usage": usage,
    }
