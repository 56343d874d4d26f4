"""The one signature Tidings puts on what it sends to addresses people give it (webhook accounts and event
endpoints): `X-Tidings-Signature: sha256=<hex HMAC-SHA256 of "<X-Tidings-Timestamp>.<body>">`.

docs/webhooks.md gives receivers the recipe; signing the timestamp with the body lets them refuse a replay.
"""

import hashlib
import hmac
import time


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """The timestamp and signature headers for one request carrying `body`."""
    timestamp = str(int(time.time() if now is None else now))
    return {"X-Tidings-Timestamp": timestamp, "X-Tidings-Signature": signature(secret, timestamp, body)}
