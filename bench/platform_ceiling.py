"""How many requests a second the fake platform (tests/support/async_platform.py) answers: its ceiling.

    python bench/platform_ceiling.py --n 20000 --concurrency 2000 --latency 0.5

A plain asyncio client over raw keep-alive connections (no HTTP library, so the client costs as little as it can)
makes `concurrency` requests at once, each a signed post with its own idempotency key, spread over `--accounts`
accounts. It runs in this process; the fake runs in its own. Prints one JSON line: requests/s, and the fake's own
counts, which must show every request stored once.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.publish import process_cpu_seconds  # noqa: E402
from tests.support.async_platform import AsyncPlatform, raise_open_files_limit  # noqa: E402


def signed_request(secret: str, path: str, i: int) -> bytes:
    key = str(uuid.uuid4())
    body = json.dumps({"idempotency_key": key, "text": f"ceiling post {i}"}).encode()
    stamp = str(int(time.time()))
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nIdempotency-Key: {key}\r\n"
        f"X-Tidings-Timestamp: {stamp}\r\nX-Tidings-Signature: sha256={mac}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def drive(port: int, secret: str, n: int, concurrency: int, accounts: int) -> tuple[float, Counter]:
    statuses: Counter = Counter()
    counter = iter(range(n))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in counter:
                writer.write(signed_request(secret, f"/hook/acct{i % accounts}", i))
                statuses[await read_response(reader)] += 1
        finally:
            writer.close()

    began = time.monotonic()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return time.monotonic() - began, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--accounts", type=int, default=100)
    args = parser.parse_args()
    raise_open_files_limit()
    with AsyncPlatform(latency=args.latency) as fake:
        assert fake.process is not None
        fake_before, client_before = process_cpu_seconds(fake.process.pid), time.process_time()
        seconds, statuses = asyncio.run(drive(fake.port, fake.secret, args.n, args.concurrency, args.accounts))
        fake_cpu, client_cpu = process_cpu_seconds(fake.process.pid) - fake_before, time.process_time() - client_before
        stats = fake.stats()
    result = {
        "n": args.n,
        "concurrency": args.concurrency,
        "latency": args.latency,
        "seconds": round(seconds, 2),
        "requests_per_second": round(args.n / seconds, 1),
        # CPU per request on each side: whichever is near 1000 / requests_per_second is the one that binds.
        "cpu_ms_per_request": {
            "fake": round(1000 * fake_cpu / args.n, 3),
            "client": round(1000 * client_cpu / args.n, 3),
        },
        "statuses": {str(k): v for k, v in statuses.items()},
        "fake": {k: v for k, v in stats.items() if k != "posts_per_account"},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
