"""Publishing a burst: N due posts across 100 users against a fake platform, next to the ceiling.

    python bench/publish.py run --db sqlite --workers 1 --n 2000 --latency 0.5
    python bench/publish.py all            # both latencies, every configuration, a Markdown table (make bench)

drain: N targets all due at once; time to drain, posts/s, p50/p99 lateness (published_at - scheduled_at), CPU per
published post (workers, and the rest of the machine: the database server mostly), peak RSS per worker.
The ceiling is a plain asyncio loop making the same signed POSTs to the same fake at the workers' concurrency
(bench/platform_ceiling.py). The fake platform (tests/support/async_platform.py) runs in a process of its own on
asyncio and answers thousands of requests a second, so the ceiling is the client's, not the fake's.
Workers are real `tidings worker` processes (`tidings serve` for the embedded SQLite case) with the product's
defaults: no tuning variables.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
LATENCY = 0.05


def prepare_environment(db: str) -> dict[str, str]:
    """The product's defaults: no tuning variables, only a data directory, quiet logs and the loopback allowed."""
    data_dir = Path(tempfile.mkdtemp(prefix="tidings-bench-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TIDINGS_")},
        "TIDINGS_DATA_DIR": str(data_dir),
        "TIDINGS_LOG_LEVEL": "WARNING",
        "TIDINGS_ALLOW_LOCAL_SERVERS": "1",  # the fake platform is on the loopback
    }
    if db == "postgres":
        import psycopg

        name = f"tidings_bench_{os.getpid()}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        env["BENCH_PG_DATABASE"] = name
    else:
        env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "tidings", "migrate", "-v0"], env=env, check=True)
    return env


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
    env = prepare_environment(args.db)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tidings.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count
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
    waiting = (TargetStatus.SCHEDULED, TargetStatus.QUEUED, TargetStatus.PUBLISHING)
    while PostTarget.objects.filter(status__in=waiting).exists():
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
        "not_published": dict(
            PostTarget.objects.exclude(status=TargetStatus.PUBLISHED).values_list("status").annotate(n=Count("pk"))
        ),
        "unique_on_platform": on_platform["unique_posts"],
        "latency": args.latency,
        "sends_per_worker": settings.TIDINGS_SEND_THREADS,
        "load_average": [round(x, 2) for x in os.getloadavg()],
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


def ceiling(n: int, concurrency: int, latency: float) -> dict[str, object]:
    """The same signed POSTs at the same concurrency, straight from a plain asyncio loop over raw keep-alive
    connections in a process of its own (bench/platform_ceiling.py): what the fake platform and this machine allow."""
    plain = json.loads(
        last_line_of(
            ROOT / "bench" / "platform_ceiling.py", "--n", n, "--concurrency", concurrency, "--latency", latency
        )
    )
    return {"n": n, "concurrency": concurrency, "posts_per_second": plain["requests_per_second"]}


def last_line_of(script: str | Path, *args: object) -> str:
    """Run a benchmark script in a process of its own; its answer is the last line it prints."""
    command = [sys.executable, str(script), *(str(arg) for arg in args)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return output.strip().splitlines()[-1]


CONFIGS = [("sqlite", 1), ("postgres", 1), ("postgres", 2)]
LATENCIES = (0.5, 0.05)
SENDS_PER_WORKER = 100  # TIDINGS_SEND_THREADS's default: the ceiling runs at the workers' concurrency


def run_all(args: argparse.Namespace) -> None:
    results = []
    for latency in LATENCIES:
        for db, workers in CONFIGS:
            options = ["--db", db, "--workers", workers, "--n", args.n, "--latency", latency]
            result = json.loads(last_line_of(__file__, "run", *options))
            result["ceiling"] = ceiling(args.n, SENDS_PER_WORKER * workers, latency)
            results.append(result)
            print(json.dumps(result), file=sys.stderr)
    print(f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print()
    print(
        "| latency s | database | workers | posts | drain s | posts/s | ceiling posts/s (same concurrency) "
        "| share of ceiling | lateness p50 s | p99 s | CPU ms/post workers + db | peak RSS MB/worker | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ceil = r["ceiling"]["posts_per_second"]
        cpu = r["cpu_ms_per_post"]
        print(
            f"| {r['latency']} | {r['db']} ({r['process']}) | {r['workers']} | {r['published']}/{r['n']} "
            f"| {r['drain_seconds']} | {r['posts_per_second']} | {ceil} "
            f"| {100 * r['posts_per_second'] / ceil:.0f}% | {r['lateness_p50']} | {r['lateness_p99']} "
            f"| {cpu['workers']} + {cpu['rest']} | {r['peak_rss_mb']} | {r['load_average'][0]} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("run")
    one.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    one.add_argument("--workers", type=int, default=1)
    one.add_argument("--n", type=int, default=1000)
    one.add_argument("--scenario", choices=["drain", "spread"], default="drain")
    one.add_argument("--users", type=int, default=100)
    one.add_argument("--timeout", type=float, default=900)
    one.add_argument("--latency", type=float, default=LATENCY, help="the fake platform's seconds per answer")
    one.add_argument("--profile", help="write a py-spy profile of the first worker here")
    every = sub.add_parser("all")
    every.add_argument("--n", type=int, default=10000)
    args = parser.parse_args()
    if args.command == "run":
        print(json.dumps(run(args)))
    else:
        run_all(args)


if __name__ == "__main__":
    main()
