"""A fake publishing platform in its own process, on asyncio, so a benchmark measures the publisher and not it.

It answers Tidings' signed webhook posts over HTTP/1.1 keep-alive (stdlib asyncio streams: the requests are small
and fixed in shape, so a full HTTP library would add a dependency and no speed). Each account posts to its own
path (`<url>/<account>`), the way each real account has its own token. Per idempotency key it stores the first post
and answers repeats with it; per account it counts accepted posts and enforces a quota of N posts per sliding
window, answering 429 with Retry-After once the window is full, as the platforms do. `GET /_stats` returns the
counts as JSON.

    python -m tests.support.async_platform --latency 0.5 --quota 50/86400

prints `listening <port>` once it accepts connections. `AsyncPlatform` starts and stops it from another process.
"""

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import math
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REASONS = {200: "OK", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}


@dataclass
class Quota:
    """At most `posts` accepted posts per account in any `seconds`-long window."""

    posts: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> "Quota | None":
        if not text or text.strip().lower() == "none":
            return None
        posts, _, seconds = text.partition("/")
        return cls(int(posts), float(seconds or 1))


@dataclass
class Platform:
    secret: str
    latency: float = 0.0
    quota: Quota | None = None
    first_posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers_per_key: Counter[str] = field(default_factory=Counter)
    posts_per_account: Counter[str] = field(default_factory=Counter)
    accepted_at: dict[str, deque[float]] = field(default_factory=dict)
    attempts: int = 0
    throttled: int = 0
    bad_signatures: int = 0

    def signature_ok(self, headers: dict[str, str], body: bytes) -> bool:
        stamp = headers.get("x-tidings-timestamp", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, headers.get("x-tidings-signature", ""))

    def retry_after(self, account: str, now: float) -> int | None:
        """Seconds until the account may post again, or None when its window has room."""
        if self.quota is None:
            return None
        window = self.accepted_at.setdefault(account, deque())
        while window and window[0] <= now - self.quota.seconds:
            window.popleft()
        if len(window) < self.quota.posts:
            return None
        return max(1, math.ceil(window[0] + self.quota.seconds - now))

    async def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, dict]:
        if method == "GET" and path == "/_stats":
            return 200, self.stats(), {}
        if method != "POST":
            return 404, {"error": "not found"}, {}
        self.attempts += 1
        key = headers.get("idempotency-key", "")
        if not self.signature_ok(headers, body):
            self.bad_signatures += 1
            return 401, {"error": "bad signature"}, {}
        if self.latency:
            await asyncio.sleep(self.latency)
        first = self.first_posts.get(key)
        if first is None:
            wait = self.retry_after(path, time.monotonic())
            if wait is not None:
                self.throttled += 1
                return 429, {"error": "posting quota reached for this account"}, {"Retry-After": str(wait)}
            first = self.first_posts[key] = {"account": path, "body": json.loads(body or b"{}")}
            self.posts_per_account[path] += 1
            if self.quota is not None:
                self.accepted_at[path].append(time.monotonic())
        self.answers_per_key[key] += 1
        return 200, {"id": f"post-{key[:8]}", "url": f"https://fake.example/p/{key}"}, {}

    def stats(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "unique_posts": len(self.first_posts),
            "repeated_keys": sum(1 for n in self.answers_per_key.values() if n > 1),
            "posts_per_account": dict(self.posts_per_account),
            "throttled": self.throttled,
            "bad_signatures": self.bad_signatures,
        }


async def serve_connection(platform: Platform, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            request_line, *lines = head.decode("latin-1").split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {}
            for line in lines:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
            status, payload, extra = await platform.answer(method, path.split("?", 1)[0], headers, body)
            data = json.dumps(payload).encode()
            lines_out = [f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}", "Content-Type: application/json"]
            lines_out += [f"Content-Length: {len(data)}", *(f"{k}: {v}" for k, v in extra.items())]
            writer.write(("\r\n".join(lines_out) + "\r\n\r\n").encode() + data)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return  # the client went away mid-request (a killed worker, a timeout)
    finally:
        writer.close()


def raise_open_files_limit() -> None:
    """Thousands of concurrent connections need as many file descriptors; take what the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def main(args: argparse.Namespace) -> None:
    raise_open_files_limit()
    platform = Platform(secret=args.secret, latency=args.latency, quota=Quota.parse(args.quota))
    server = await asyncio.start_server(
        lambda r, w: serve_connection(platform, r, w), args.host, args.port, backlog=4096
    )
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


@dataclass
class AsyncPlatform:
    """The fake platform as a child process: start it, post to `url_for(account)`, read `stats()`, stop it."""

    secret: str = "webhook-secret"
    latency: float = 0.0
    quota: str = "none"
    process: subprocess.Popen[str] | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def url_for(self, account: str) -> str:
        return f"{self.url}/{account}"

    def start(self) -> "AsyncPlatform":
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
        command = [sys.executable, "-m", "tests.support.async_platform", "--secret", self.secret]
        command += ["--latency", str(self.latency), "--quota", self.quota]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)  # noqa: S603
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"The fake platform did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stats", timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "AsyncPlatform":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", default="webhook-secret")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--quota", default="none", help='posts per account per window, "<posts>/<seconds>"')
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
