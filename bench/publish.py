"""Publishing throughput and lateness against a fake platform (50 ms latency unless told), next to the ceiling.

    python bench/publish.py run --db sqlite --workers 1 --n 10000 --scenario drain
    python bench/publish.py all            # every configuration, prints a Markdown table (make bench)

drain:  N targets all due at once; time to drain, posts/s, p50/p99 lateness (published_at - scheduled_at).
spread: N targets due evenly over one minute; lateness.
The ceiling is a plain asyncio loop making the same signed POSTs to the same fake at the same concurrency (and,
beside it, the same loop through httpx, the workers' HTTP library).
The fake platform (tests/support/async_platform.py) runs in a process of its own on asyncio, and answers thousands
of requests a second (bench/platform_ceiling.py measures it), so the ceiling is the client's, not the fake's.
Workers are real `tidings worker` processes (`tidings serve` for the embedded SQLite case); peak RSS is the
largest VmHWM among them.
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.benchdb import PG_ADMIN_URL, fresh_database  # noqa: E402

LATENCY = 0.05


def prepare_environment(db: str, workers: int, concurrency: int) -> dict[str, str]:
    data_dir = Path(tempfile.mkdtemp(prefix="tidings-bench-"))
    env = {
        **os.environ,
        "TIDINGS_DATA_DIR": str(data_dir),
        "TIDINGS_DISPATCH_EVERY_SECONDS": "1",
        "TIDINGS_DISPATCH_BATCH": "1000",
        "TIDINGS_WORKER_CONCURRENCY": str(concurrency),
        "TIDINGS_MAX_EXECUTOR_THREADS": str(concurrency + 16),
        "TIDINGS_LATE_WINDOW_SECONDS": "86400",
        "TIDINGS_LOG_LEVEL": "WARNING",
        "TIDINGS_ALLOW_LOCAL_SERVERS": "1",  # the fake platform is on the loopback
    }
    return fresh_database(env, db, name=f"tidings_bench_{os.getpid()}")


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle, summed over cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS


def run(args: argparse.Namespace) -> dict[str, object]:
    env = prepare_environment(args.db, args.workers, args.concurrency)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tidings.settings"
    import django

    django.setup()
    from django.utils import timezone
    from tests.support.async_platform import AsyncPlatform

    from tidings.accounts.services import create_user
    from tidings.credits.models import CreditReservation
    from tidings.platforms.models import Platform
    from tidings.platforms.services import connect_account
    from tidings.posts.models import Post, PostTarget, TargetStatus
    from tidings.workspaces.services import acting_alone, personal_workspace

    fake = AsyncPlatform(latency=args.latency).start()
    # Posts are spread over `users` users (an agency's clients, a community): limits are exact per user, so one
    # user's posts serialise on that user's row, and a single-user burst measures that lock, not the pipeline.
    targets = []
    per_user = -(-args.n // args.users)
    for u in range(args.users):
        count = min(per_user, args.n - u * per_user)
        if count <= 0:
            break
        user = create_user(
            f"bench{u}",
            password=None,
            tier="business",
            tier_limits={"queue_size": None, "posts_per_platform_per_day": None, "monthly_credits": count},
        )
        workspace = personal_workspace(user)
        account = connect_account(
            acting_alone(user),
            platform=Platform.WEBHOOK,
            external_id=f"bench{u}",
            handle=f"bench{u}",
            access_token=fake.secret,
            base_url=fake.url_for(f"bench{u}"),
        )
        far = timezone.now() + timedelta(days=1)
        posts = Post.objects.bulk_create(
            Post(workspace=workspace, author=user, text=f"bench post {u}/{i}") for i in range(count)
        )
        made = PostTarget.objects.bulk_create(
            PostTarget(post=p, account=account, platform="webhook", status=TargetStatus.SCHEDULED, scheduled_at=far)
            for p in posts
        )
        CreditReservation.objects.bulk_create(
            CreditReservation(workspace=workspace, target=t, cycle_start=workspace.last_credit_reset) for t in made
        )
        targets.extend(made)

    command = "serve" if args.db == "sqlite" and args.workers == 1 else "worker"
    processes = []
    for slot in range(args.workers):
        extra = ["--port", str(18000 + slot)] if command == "serve" else []
        processes.append(
            subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "tidings", command, "--executor-id", f"bench-{slot}", *extra],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    time.sleep(8)  # launch, recover, register queues and schedules
    if args.profile:
        subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "-d",
                "25",
                "-o",
                args.profile,
                "-f",
                "raw" if args.profile.endswith(".txt") else "speedscope",
                "--gil",  # only threads holding the GIL: where the worker's CPU goes, not where it waits
                "--pid",
                str(processes[0].pid),
                "--subprocesses",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    start = timezone.now()
    if args.scenario == "drain":
        PostTarget.objects.update(scheduled_at=start)
    else:
        for index, target in enumerate(targets):
            target.scheduled_at = start + timedelta(seconds=60 * index / args.n)
        PostTarget.objects.bulk_update(targets, ["scheduled_at"], batch_size=1000)
    began = time.monotonic()
    busy_before, driver_before = machine_busy_seconds(), time.process_time()
    fake_before = process_cpu_seconds(fake.process.pid)
    workers_before = sum(process_cpu_seconds(p.pid) for p in processes)
    while PostTarget.objects.filter(status=TargetStatus.PUBLISHED).count() < args.n:
        if time.monotonic() - began > args.timeout:
            break
        time.sleep(0.5)
    rss = max(peak_rss_mb(p.pid) for p in processes)
    worker_cpu = sum(process_cpu_seconds(p.pid) for p in processes) - workers_before
    # The fake platform's process and this polling loop.
    driver_cpu = process_cpu_seconds(fake.process.pid) - fake_before + time.process_time() - driver_before
    machine_cpu = machine_busy_seconds() - busy_before
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)
    on_platform = fake.stats()
    fake.stop()

    rows = list(PostTarget.objects.filter(status=TargetStatus.PUBLISHED).values_list("scheduled_at", "published_at"))
    lateness = sorted((published - scheduled).total_seconds() for scheduled, published in rows)
    last = max(published for _, published in rows)
    drain = (last - start).total_seconds()
    result = {
        "db": args.db,
        "workers": args.workers,
        "process": command,
        "scenario": args.scenario,
        "n": args.n,
        "users": args.users,
        "published": len(rows),
        "unique_on_platform": on_platform["unique_posts"],
        "latency": args.latency,
        "concurrency_per_worker": args.concurrency,
        "drain_seconds": round(drain, 2),
        "posts_per_second": round(len(rows) / drain, 1) if drain else None,
        "lateness_p50": round(lateness[len(lateness) // 2], 2),
        "lateness_p99": round(lateness[int(len(lateness) * 0.99) - 1], 2),
        "peak_rss_mb": round(rss, 1),
        # CPU milliseconds per published post, over the drain: workers, the fake platform (with the driver), and
        # everything else (the database server, mostly).
        "cpu_ms_per_post": {
            "workers": round(1000 * worker_cpu / max(len(rows), 1), 1),
            "fake_platform": round(1000 * driver_cpu / max(len(rows), 1), 1),
            "rest": round(1000 * (machine_cpu - worker_cpu - driver_cpu) / max(len(rows), 1), 1),
        },
    }
    if args.db == "postgres":
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{env["BENCH_PG_DATABASE"]}" WITH (FORCE)')
    shutil.rmtree(env["TIDINGS_DATA_DIR"], ignore_errors=True)
    return result


def ceiling(n: int, concurrency: int, latency: float = LATENCY) -> dict[str, object]:
    """The same signed POSTs at the same concurrency, straight from an asyncio loop: what the platform and this
    machine allow. Two clients, each in a process of its own (as the workers are), so neither shares an
    interpreter lock with the fake: plain asyncio streams (bench/platform_ceiling.py, the ceiling) and httpx's
    AsyncClient (the HTTP library the workers use, which costs far more per request)."""
    from tests.support.async_platform import AsyncPlatform

    plain = json.loads(
        last_line_of(
            ROOT / "bench" / "platform_ceiling.py", "--n", n, "--concurrency", concurrency, "--latency", latency
        )
    )
    fake = AsyncPlatform(latency=latency).start()
    try:
        url = fake.url_for("ceiling")
        seconds = float(
            last_line_of(__file__, "ceiling-client", url, fake.secret, "--n", n, "--concurrency", concurrency)
        )
    finally:
        fake.stop()
    return {
        "n": n,
        "concurrency": concurrency,
        "seconds": plain["seconds"],
        "posts_per_second": plain["requests_per_second"],
        "httpx_posts_per_second": round(n / seconds, 1),
    }


def ceiling_client(url: str, secret: str, n: int, concurrency: int) -> float:
    import hashlib
    import hmac

    import httpx

    def signature(stamp: str, body: bytes) -> str:
        return "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()

    async def main() -> float:
        limit = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:

            async def one(i: int) -> None:
                key = str(uuid.uuid4())
                body = json.dumps({"idempotency_key": key, "text": f"bench post {i}"}).encode()
                stamp = str(int(time.time()))
                headers = {
                    "Idempotency-Key": key,
                    "X-Tidings-Timestamp": stamp,
                    "X-Tidings-Signature": signature(stamp, body),
                }
                async with limit:
                    (await client.post(url, content=body, headers=headers)).raise_for_status()

            began = time.monotonic()
            await asyncio.gather(*(one(i) for i in range(n)))
            return time.monotonic() - began

    return asyncio.run(main())


def floor(db: str, workers: int, n: int, concurrency: int) -> dict[str, object]:
    """DBOS alone on the same queue settings and platform calls, with no Tidings code (bench/dbos_floor.py)."""
    script = ROOT / "bench" / "dbos_floor.py"
    return json.loads(last_line_of(script, "--db", db, "--workers", workers, "--n", n, "--concurrency", concurrency))


def last_line_of(script: str | Path, *args: object) -> str:
    """Run a benchmark script in a process of its own; its answer is the last line it prints."""
    command = [sys.executable, str(script), *(str(arg) for arg in args)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return output.strip().splitlines()[-1]


CONFIGS = [("sqlite", 1), ("postgres", 1), ("postgres", 2)]


def run_all(args: argparse.Namespace) -> None:
    results = []
    for scenario, n in (("drain", args.n), ("spread", args.spread_n)):
        for db, workers in CONFIGS:
            options = ["--db", db, "--workers", workers, "--n", n, "--scenario", scenario]
            options += ["--concurrency", args.concurrency, "--latency", args.latency]
            result = json.loads(last_line_of(__file__, "run", *options))
            if scenario == "drain":
                result["ceiling"] = ceiling(n, args.concurrency * workers, args.latency)
                result["floor"] = floor(db, workers, n, args.concurrency)
            results.append(result)
            print(json.dumps(result), file=sys.stderr)
    print(f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print()
    print(
        "| scenario | database | workers | posts | drain s | posts/s | ceiling posts/s | share of ceiling "
        "| DBOS floor posts/s | share of floor | CPU ms/post (workers + db + fake) "
        "| lateness p50 s | p99 s | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")

    def share(rate: float, of: float | None) -> str:
        return f"{100 * rate / of:.0f}%" if of else "-"

    for r in results:
        ceil = r.get("ceiling", {}).get("posts_per_second")  # type: ignore[union-attr]
        base = r.get("floor", {}).get("posts_per_second")  # type: ignore[union-attr]
        cpu = r["cpu_ms_per_post"]
        print(
            f"| {r['scenario']} | {r['db']} ({r['process']}) | {r['workers']} | {r['published']}/{r['n']} "
            f"| {r['drain_seconds']} | {r['posts_per_second']} | {ceil or '-'} | {share(r['posts_per_second'], ceil)} "
            f"| {base or '-'} | {share(r['posts_per_second'], base)} "
            f"| {cpu['workers']} + {cpu['rest']} + {cpu['fake_platform']} "
            f"| {r['lateness_p50']} | {r['lateness_p99']} | {r['peak_rss_mb']} |"
        )
    print(f"\nStatistics: median posts/s {statistics.median(r['posts_per_second'] for r in results):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("run")
    one.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    one.add_argument("--workers", type=int, default=1)
    one.add_argument("--n", type=int, default=1000)
    one.add_argument("--scenario", choices=["drain", "spread"], default="drain")
    one.add_argument("--concurrency", type=int, default=20)
    one.add_argument("--users", type=int, default=100)
    one.add_argument("--timeout", type=float, default=900)
    one.add_argument("--latency", type=float, default=LATENCY, help="the fake platform's seconds per answer")
    one.add_argument("--profile", help="write a py-spy profile of the first worker here")
    every = sub.add_parser("all")
    every.add_argument("--n", type=int, default=10000)
    every.add_argument("--spread-n", type=int, default=1000)
    every.add_argument("--concurrency", type=int, default=20)
    every.add_argument("--latency", type=float, default=LATENCY)
    ceil = sub.add_parser("ceiling")
    ceil.add_argument("--n", type=int, default=1000)
    ceil.add_argument("--concurrency", type=int, default=20)
    ceil.add_argument("--latency", type=float, default=LATENCY)
    client = sub.add_parser("ceiling-client")
    client.add_argument("url")
    client.add_argument("secret")
    client.add_argument("--n", type=int, default=1000)
    client.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    if args.command == "run":
        print(json.dumps(run(args)))
    elif args.command == "ceiling":
        print(json.dumps(ceiling(args.n, args.concurrency, args.latency)))
    elif args.command == "ceiling-client":
        print(ceiling_client(args.url, args.secret, args.n, args.concurrency))
    else:
        run_all(args)


if __name__ == "__main__":
    main()
