"""The floor under the publishing pipeline: DBOS alone, with no Tidings code and no database work of ours.

    python bench/dbos_floor.py --n 3000 --concurrency 20 [--db postgres|sqlite]

One worker process runs `floor/publish` workflows from one queue with the same settings as a Tidings platform queue
(worker concurrency, 0.1 s polling). Each workflow is one step: the same signed POST to the same fake platform with
50 ms latency that `bench/publish.py` uses. All N are enqueued first, in one transaction. What this reaches is the
most any per-post DBOS workflow can reach here, before a single row of ours is read or written.
"""

import argparse
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
QUEUE = "floor"


def worker(system_database_url: str, concurrency: int, poll: float, executor_id: str) -> None:
    import httpx
    from dbos import DBOS

    client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=concurrency))
    secret = os.environ["FLOOR_SECRET"]

    @DBOS.step(name="floor/send")
    def send(url: str, key: str) -> int:
        body = json.dumps({"idempotency_key": key, "text": "floor"}).encode()
        stamp = str(int(time.time()))
        digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        headers = {"Idempotency-Key": key, "X-Tidings-Timestamp": stamp, "X-Tidings-Signature": f"sha256={digest}"}
        return client.post(url, content=body, headers=headers).status_code

    @DBOS.workflow(name="floor/publish")
    def publish(url: str, key: str) -> int:
        return send(url, key)

    DBOS(
        config={
            "name": "floor",
            "system_database_url": system_database_url,
            "application_version": "floor-1",
            "executor_id": executor_id,
            "max_executor_threads": concurrency + 16,
            "log_level": "WARNING",
        }
    )
    DBOS.launch()
    DBOS.register_queue(QUEUE, worker_concurrency=concurrency, polling_interval_sec=poll)
    while True:
        time.sleep(3600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--poll", type=float, default=0.1)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--executor-id", default="floor-0", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.concurrency, args.poll, args.executor_id)
        return

    import psycopg
    import sqlalchemy as sa
    from bench.publish import LATENCY, machine_busy_seconds, process_cpu_seconds
    from dbos import DBOSClient
    from tests.support.async_platform import AsyncPlatform

    if args.db == "postgres":
        name = f"tidings_floor_{os.getpid()}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgres://", "postgresql+psycopg://") + f"/{name}"
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='tidings-floor-')}/dbos.sqlite3"
    fake = AsyncPlatform(latency=LATENCY).start()
    env = {**os.environ, "FLOOR_SECRET": fake.secret}
    command = [sys.executable, __file__, "--worker", url, "--concurrency", str(args.concurrency)]
    command += ["--poll", str(args.poll)]
    processes = [
        subprocess.Popen([*command, "--executor-id", f"floor-{slot}"], env=env)  # noqa: S603
        for slot in range(args.workers if args.db == "postgres" else 1)
    ]
    try:
        time.sleep(6)  # launch and migrate the system database
        client = DBOSClient(system_database_url=url)
        engine = sa.create_engine(url)
        busy_before = machine_busy_seconds()
        cpu_before = sum(process_cpu_seconds(p.pid) for p in processes)
        began = time.monotonic()
        with engine.begin() as connection:
            for i in range(args.n):
                options = {"workflow_name": "floor/publish", "queue_name": QUEUE, "app_version": "floor-1"}
                client.enqueue_in_transaction(connection, options, fake.url, f"floor-{i}")  # type: ignore[arg-type]
        while fake.stats()["unique_posts"] < args.n:
            time.sleep(0.2)
        seconds = time.monotonic() - began
        worker_cpu = sum(process_cpu_seconds(p.pid) for p in processes) - cpu_before
        machine_cpu = machine_busy_seconds() - busy_before
        client.destroy()
        engine.dispose()
    finally:
        for process in processes:
            process.kill()
            process.wait()
        fake.stop()
        if args.db == "postgres":
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    result = {
        "db": args.db,
        "n": args.n,
        "workers": len(processes),
        "concurrency": args.concurrency,
        "poll_seconds": args.poll,
        "seconds": round(seconds, 2),
        "posts_per_second": round(args.n / seconds, 1),
        "cpu_ms_per_post": {
            "workers": round(1000 * worker_cpu / args.n, 1),
            "machine": round(1000 * machine_cpu / args.n, 1),
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
