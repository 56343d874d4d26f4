"""Scale-out check: two `tidings worker` processes and one `tidings serve --no-worker` web process on PostgreSQL.

    python scripts/scale_out_check.py --admin-url postgres://postgres@127.0.0.1:5432/postgres --posts 40

It creates a fresh database, migrates it, starts the processes as docs/deployment.md describes (distinct executor
ids), checks the web process (/healthz, and the staff dashboard reading DBOS through its client), connects a webhook
account to a loopback receiver run here, schedules N posts due in two seconds, waits until all are published, and
checks that each reached the receiver exactly once and that both workers published some. Then it stops everything
and drops the database. Exit code 0 when every check held.
"""

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from cryptography.fernet import Fernet
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.support.fake_platform, the loopback receiver


class CheckFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise CheckFailed(f"timed out after {timeout:.0f}s waiting for {what}")


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new database on the server of `admin_url`; dropped on exit (with any connections still open to it)."""
    name = f"tidings_scale_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    say(f"created database {name}")
    parts = urlsplit(admin_url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        say(f"dropped database {name}")


class Process:
    """One `tidings` process with its output in a log file; stopped with SIGTERM, as systemd would."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.log = name, logs / f"{name}.log"
        with self.log.open("wb") as out:
            self.popen = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", "tidings", *args], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            raise CheckFailed(f"{self.name} exited with {self.popen.returncode}:\n{self.output()[-3000:]}")

    def started(self) -> bool:
        """A worker prints that it is running once DBOS has launched."""
        self.check_alive()
        return "is running" in self.output()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


def process_env(database_url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tidings.settings",
        "DATABASE_URL": database_url,
        "TIDINGS_DATA_DIR": str(data_dir),
        # Shared by every process, as in production (docs/deployment.md): never the per-host generated files.
        "TIDINGS_SECRET_KEY": secrets.token_urlsafe(50),
        "TIDINGS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "TIDINGS_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The PostgreSQL here is shared: a small pool per process keeps the three processes well inside it.
        "TIDINGS_DB_POOL_SIZE": "4",
        "TIDINGS_MAX_EXECUTOR_THREADS": "16",
        # Two publishes per worker at a time, so that one worker cannot take the whole batch.
        "TIDINGS_WORKER_CONCURRENCY": "2",
        "TIDINGS_DISPATCH_EVERY_SECONDS": "1",
        # The receiver is plain http on the loopback.
        "TIDINGS_ALLOW_LOCAL_SERVERS": "1",
        "TIDINGS_ALLOW_HTTP_WEBHOOKS": "1",
        "TIDINGS_LOG_LEVEL": "WARNING",
    }


def migrate(env: dict[str, str]) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "tidings", "migrate", "--no-input"], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise CheckFailed(f"migrate failed:\n{result.stdout}\n{result.stderr}")
    say(f"migrated in {time.monotonic() - started:.1f}s")


def check_web(base: str, username: str, password: str) -> None:
    """The web process answers, and its staff dashboard reads the workflows through the DBOS client."""
    health = httpx.get(f"{base}/healthz", timeout=5)
    if health.json() != {"status": "ok"}:
        raise CheckFailed(f"/healthz answered {health.status_code}: {health.text[:200]}")
    with httpx.Client(base_url=base, timeout=30) as browser:
        form = browser.get("/admin/login/?next=/ops/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        if token is None:
            raise CheckFailed("the admin login page has no CSRF token")
        login = browser.post(
            "/admin/login/?next=/ops/",
            data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
        )
        if login.status_code != 302:
            raise CheckFailed(f"staff login answered {login.status_code}")
        page = browser.get("/ops/")
        if page.status_code != 200 or 'id="workflow-counts"' not in page.text:
            problem = re.search(r'id="workflow-problem">(.*?)</p>', page.text, re.S)
            raise CheckFailed(f"/ops/ answered {page.status_code}: {problem.group(1) if problem else page.text[:300]}")
    say("web process: /healthz ok, staff dashboard reads DBOS workflows")


def run(admin_url: str, posts: int, timeout: float) -> dict[str, Any]:
    with ExitStack() as stack:
        database_url = stack.enter_context(fresh_database(admin_url))
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tidings-scale-")))
        env = process_env(database_url, data_dir)
        migrate(env)
        # This process works on the same database as the others, as one more client of it.
        os.environ.update({k: v for k, v in env.items() if k.startswith(("DATABASE_URL", "TIDINGS_", "DJANGO_"))})
        import django

        django.setup()
        stack.callback(close_django)
        return exercise(stack, env, data_dir, posts=posts, timeout=timeout)
    raise AssertionError("unreachable")


def close_django() -> None:
    from django.db import connections

    from tidings.jobs import runtime

    runtime.shutdown()
    for connection in connections.all():
        connection.close()
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None:
            close_pool()


def exercise(stack: ExitStack, env: dict[str, str], logs: Path, *, posts: int, timeout: float) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone
    from tests.support.fake_platform import FakePlatform

    from tidings.accounts.services import create_user
    from tidings.jobs import runtime
    from tidings.ops.metrics import publishing_lateness
    from tidings.platforms.models import Platform
    from tidings.platforms.registry import connector_for
    from tidings.platforms.services import connect_account
    from tidings.posts.models import PostTarget, TargetStatus
    from tidings.posts.services import create_post, schedule_post
    from tidings.tiers.plans import Tier
    from tidings.workspaces.services import acting_alone

    receiver = FakePlatform(secret=secrets.token_urlsafe(24), latency=0.1).start()
    stack.callback(receiver.stop)

    executor_ids = [f"scale-check-{os.getpid()}-{slot}" for slot in (1, 2)]
    processes: list[Process] = []
    stack.callback(lambda: [process.stop() for process in processes])
    for executor_id in executor_ids:
        # One at a time: the first creates DBOS's schema, the second finds it.
        worker = Process(executor_id, ["worker", "--executor-id", executor_id], env, logs)
        processes.append(worker)
        wait_until(lambda w=worker: w.started(), timeout=120, what=f"{worker.name} to start")
        say(f"worker {executor_id} is running (pid {worker.popen.pid})")
    port = free_port()
    web = Process("web", ["serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)], env, logs)
    processes.append(web)
    base = f"http://127.0.0.1:{port}"

    def web_ready() -> bool:
        web.check_alive()
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(web_ready, timeout=60, what="the web process to answer /healthz")
    say(f"web process is serving on {base} (pid {web.popen.pid})")

    password = secrets.token_urlsafe(12)
    # Posts without the plan's daily cap, so any N fits; credits are the plan's own.
    user = create_user(
        "scale-check",
        password=password,
        tier=Tier.BUSINESS,
        tier_limits={"posts_per_platform_per_day": None, "queue_size": None},
    )
    type(user).objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    check_web(base, "scale-check", password)
    owner = acting_alone(user)

    connector = connector_for(Platform.WEBHOOK)
    assert connector is not None
    identity, tokens = connector.connect_with_credentials(
        {"url": receiver.url, "secret": receiver.secret, "name": "loopback receiver"}
    )
    account = connect_account(
        owner,
        platform=Platform.WEBHOOK,
        external_id=identity.external_id,
        handle=identity.handle,
        base_url=identity.base_url,
        access_token=tokens.access_token,
    )
    started = time.monotonic()
    post_ids = []
    for n in range(posts):
        draft = create_post(owner, text=f"Scale-out check post {n + 1} of {posts}", account_ids=[account.pk])
        post_ids.append(schedule_post(owner, draft.pk, at=timezone.now() + timedelta(seconds=2)).pk)
    say(f"scheduled {posts} posts, due in 2 seconds")

    targets = PostTarget.objects.filter(post_id__in=post_ids)

    def all_published() -> bool:
        for process in processes:
            process.check_alive()
        return targets.filter(status=TargetStatus.PUBLISHED).count() == posts

    try:
        wait_until(all_published, timeout=timeout, what=f"{posts} posts to be published", every=0.5)
    except CheckFailed:
        states = Counter(targets.values_list("status", flat=True))
        raise CheckFailed(f"not all published: {dict(states)}") from None
    elapsed = time.monotonic() - started

    keys = {str(key) for key in targets.values_list("idempotency_key", flat=True)}
    if set(receiver.posts) != keys:
        raise CheckFailed(f"the receiver got {len(receiver.posts)} distinct posts for {len(keys)} targets")
    repeats = {key: n for key, n in receiver.attempts.items() if n != 1}
    if repeats:
        raise CheckFailed(f"posts received more than once: {repeats}")
    workflow_ids = [target.workflow_id for target in targets]
    statuses = runtime.client().list_workflows(workflow_ids=workflow_ids, load_input=False, load_output=False)
    per_worker = Counter(status.executor_id for status in statuses)
    if sum(per_worker.values()) != posts or set(per_worker) != set(executor_ids):
        raise CheckFailed(f"workflows per executor: {dict(per_worker)}; expected both of {executor_ids}")
    lateness = publishing_lateness(timezone.now())
    return {"posts": posts, "seconds": round(elapsed, 1), "per_worker": dict(per_worker), "lateness": lateness}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("TIDINGS_SCALE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="A PostgreSQL URL of a role that may create and drop databases.",
    )
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=180, help="Seconds to wait for every post.")
    args = parser.parse_args()
    try:
        result = run(args.admin_url, args.posts, args.timeout)
    except CheckFailed as failure:
        say(f"FAILED: {failure}")
        return 1
    late = result["lateness"]
    say(
        f"OK: published {result['posts']} posts in {result['seconds']}s, each received once; "
        f"workflows per worker: {result['per_worker']}; lateness p50 {late['p50']:.2f}s, p95 {late['p95']:.2f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
