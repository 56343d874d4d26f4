"""Backups that restore: a backup taken while a real `tidings serve` publishes, restored into a fresh data dir and
started there, gives back the same ledger and balances, tokens that decrypt and media byte for byte; every post
then goes out exactly once per idempotency key, and nothing the backup saw published is sent again.

On PostgreSQL the archive holds media and secrets and says to use pg_dump; the database makes the same round trip
through pg_dump and pg_restore.
"""

import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from tests.conftest import create_account, make_user
from tests.jobs.conftest import connect_webhook, make_due, wait_for
from tests.support.fake_platform import FakePlatform
from tests.support.processes import worker_env
from tests.support.workspaces import owner
from tidings.credits.models import CreditLedgerEntry
from tidings.ops.backup import create_backup
from tidings.posts.media import attach_media
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db(transaction=True)
EARLY, STREAM, LATER = 4, 60, 4
EXECUTOR = f"backup-src-{int(time.time())}"

# Run inside `tidings shell` on the restored install: what its own ORM and keys read back.
REPORT = """
import hashlib, json
from datetime import timedelta
from django.utils import timezone
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.credits.services import ledger_balance
from tidings.platforms.models import SocialAccount
from tidings.ops.models import BackupRecord
from tidings.posts.models import MediaAsset, PostTarget
from tidings.workspaces.models import Workspace
PostTarget.objects.filter(idempotency_key__in=DUE).update(scheduled_at=timezone.now() - timedelta(seconds=1))
print("REPORT" + json.dumps({
    "balances": {
        w.personal_owner.username: [w.credits, ledger_balance(w)]
        for w in Workspace.objects.filter(personal_owner__isnull=False).select_related("personal_owner")
    },
    "ledger": list(CreditLedgerEntry.objects.order_by("id").values_list("id", "workspace_id", "kind", "amount")),
    "tokens": {a.handle: a.access_token for a in SocialAccount.objects.all()},
    "targets": {str(t.idempotency_key): t.status for t in PostTarget.objects.all()},
    "reservations": sorted(CreditReservation.objects.values_list("status", flat=True)),
    "media": {m.file.name: hashlib.sha256(m.file.read()).hexdigest() for m in MediaAsset.objects.all()},
    "restores": [[r.location, r.restored_at is not None] for r in BackupRecord.objects.all()],
}))
"""


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "teal").save(buffer, "PNG")
    return SimpleUploadedFile("pic.png", buffer.getvalue(), content_type="image/png")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def install_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """A separate install: its own data dir, and secrets read from files there, not from the environment."""
    env = {**worker_env(), "TIDINGS_DATA_DIR": str(data_dir), "TIDINGS_WORKER_CONCURRENCY": "4"}
    # Short leases, so a target the snapshot caught claimed but not yet enqueued is driven again within the test.
    env["TIDINGS_PUBLISH_LEASE_SECONDS"] = "10"
    for name in ("TIDINGS_SECRET_KEY", "TIDINGS_ENCRYPTION_KEYS", "TIDINGS_BACKUP_DIR"):
        env.pop(name, None)
    if database_url is None:
        env.pop("DATABASE_URL")
    else:
        env["DATABASE_URL"] = database_url
    return env


def tidings(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "tidings", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


class Server:
    """A real `tidings serve` (web and worker in one process) on a free port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.port = env, log, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Server":
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", "tidings", "serve", "--port", str(self.port), "--executor-id", EXECUTOR],
                env=self.env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"the server did not answer: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.kill()


@pytest.fixture
def restored_database(on_postgres: bool) -> Iterator[str | None]:
    """On PostgreSQL, an empty database beside the test one for pg_restore; on SQLite the restored dir holds it."""
    if not on_postgres:
        yield None
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restored"
    admin = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scheduled(user: Any, account: Any, text: str) -> Post:
    draft = create_post(owner(user), text=text, account_ids=[account.pk])
    return schedule_post(owner(user), draft.pk, at=timezone.now() + timedelta(hours=1))


def keys(posts: list[Post]) -> list[str]:
    return [str(k) for k in PostTarget.objects.filter(post__in=posts).values_list("idempotency_key", flat=True)]


def published() -> int:
    return PostTarget.objects.filter(status=TargetStatus.PUBLISHED).count()


def report(env: dict[str, str], *, due: list[str]) -> dict[str, Any]:
    result = tidings(env, "shell", "-c", f"DUE = {due!r}\n{REPORT}")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("REPORT"))
    return dict(json.loads(line.removeprefix("REPORT")))


def restored_statuses(env: dict[str, str]) -> dict[str, int]:
    """Read straight from the restored database, cheaply enough to poll."""
    sql = "SELECT status, count(*) FROM posts_posttarget GROUP BY status"
    if env.get("DATABASE_URL"):
        with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as pg:
            return dict(pg.execute(sql).fetchall())
    db = sqlite3.connect(Path(env["TIDINGS_DATA_DIR"]) / "tidings.sqlite3")
    try:
        return dict(db.execute(sql).fetchall())
    finally:
        db.close()


def manifest_of(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return dict(json.load(member))


def test_a_backup_taken_while_serving_comes_back_and_publishes_each_post_once(
    tmp_path: Path,
    fake: FakePlatform,
    settings: Any,
    servers: list[Server],
    restored_database: str | None,
    on_postgres: bool,
) -> None:
    source, restored, archive = tmp_path / "source", tmp_path / "restored", tmp_path / "nightly.tar.gz"
    source.mkdir()
    # The source install generated its secrets into its data dir; the tokens below are encrypted with these keys.
    (source / "secret_key").write_text(settings.SECRET_KEY + "\n")
    (source / "encryption_keys").write_text(",".join(settings.TIDINGS_ENCRYPTION_KEYS) + "\n")
    settings.MEDIA_ROOT = source / "media"
    carol = make_user("carol", Tier.BUSINESS, tier_limits={"queue_size": 1000, "posts_per_platform_per_day": 1000})
    bob = make_user("bob", Tier.PRO)
    hook, bob_hook = connect_webhook(carol, fake), connect_webhook(bob, fake)
    create_account(bob)  # a Mastodon account that never publishes: its token must still decrypt
    early = [scheduled(carol, hook, f"early {n}") for n in range(EARLY)]
    stream = [scheduled(carol, hook, f"stream {n}") for n in range(STREAM)]
    later = [scheduled(carol, hook, f"later {n}") for n in range(LATER)]
    later.append(scheduled(bob, bob_hook, "later, with a picture"))
    attach_media(owner(bob), later[-1].pk, uploads=[png()])
    media_before = {p.name: p.read_bytes() for p in (source / "media").rglob("*") if p.is_file()}
    assert len(media_before) == 1

    # The source's database is the test database, which the ORM here reads too.
    source_env = install_env(source, worker_env()["DATABASE_URL"])
    servers.append(Server(source_env, tmp_path / "source.log").start())
    for post in early:
        make_due(post)
    wait_for(lambda: published() == EARLY, timeout=90, what="the early posts to publish")
    fake.latency = 1.0  # publishes now take a while: the backup lands among them
    for post in stream:
        make_due(post)
    wait_for(lambda: published() > EARLY, timeout=90, what="the stream to start")

    made = tidings(source_env, "backup", str(archive))
    at_backup = published()
    dump = tmp_path / "tidings.dump"
    if on_postgres:
        subprocess.run(  # noqa: S603 - the PostgreSQL client on PATH
            ["pg_dump", "--format=custom", f"--file={dump}", source_env["DATABASE_URL"]],  # noqa: S607
            check=True,
            timeout=60,
        )
    assert made.returncode == 0, made.stderr
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    manifest = manifest_of(archive)
    assert set(manifest["files"]) >= {
        "secrets/secret_key",
        "secrets/encryption_keys",
        *(f"media/uploads/{n}" for n in media_before),
    }
    assert manifest["versions"]["tidings"] == "0.1.0"
    assert manifest["migrations"]["ops"] == "0001_initial"
    assert manifest["counts"]["accounts.User"] == 2
    assert manifest["counts"]["posts.PostTarget"] == EARLY + STREAM + LATER + 1
    if on_postgres:
        assert "pg_dump --format=custom" in made.stdout
        assert manifest["database"] == {
            "engine": "postgresql",
            "included": False,
            "name": connection.settings_dict["NAME"],
        }
    else:
        at_snapshot = manifest["counts"]["post targets by status"]
        assert EARLY < at_snapshot["published"] < EARLY + STREAM, at_snapshot
        workflows = manifest["workflows"]
        assert workflows["by status"].get("PENDING", 0) + workflows["by status"].get("ENQUEUED", 0) > 0, workflows
        assert set(manifest["database"]["files"]) == {"database/tidings.sqlite3", "database/dbos.sqlite3"}

    in_use = tidings(source_env, "restore", str(archive))
    assert in_use.returncode == 1
    assert f"{source} is in use: a `tidings serve` or `tidings worker` holds" in in_use.stderr
    # The source publishes on past the backup, then the machine is lost.
    wait_for(lambda: published() >= at_backup + 2, timeout=90, what="publishes after the backup")
    servers[0].kill()
    source_ledger = [
        list(row)
        for row in CreditLedgerEntry.objects.order_by("id").values_list("id", "workspace_id", "kind", "amount")
    ]
    sent_before_restore = set(fake.posts)

    again = tidings(source_env, "restore", str(archive))
    assert again.returncode == 1
    refusal = "already holds uploaded media" if on_postgres else "already has a database"
    assert f"CommandError: {source} {refusal}" in again.stderr, again.stderr
    restored_env = install_env(restored, restored_database)
    if on_postgres:
        subprocess.run(  # noqa: S603 - the PostgreSQL client on PATH
            ["pg_restore", "--no-owner", f"--dbname={restored_database}", str(dump)],  # noqa: S607
            check=True,
            timeout=60,
        )
    done = tidings(restored_env, "restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert "checksums verified" in done.stdout
    if manifest.get("workflows", {}).get("pending by executor"):
        assert f"Workflows under way belong to executor {EXECUTOR} (" in done.stdout, done.stdout
        assert "start `tidings serve --executor-id ID`" in done.stdout

    later_keys = keys(later)
    back = report(restored_env, due=later_keys)
    # The same ledger, as far as it had got, and balances that are its sums; tokens decrypt with the restored keys.
    assert back["ledger"] == source_ledger[: len(back["ledger"])]
    assert all(credits == rebuilt for credits, rebuilt in back["balances"].values())
    assert back["tokens"] == {"carol's hook 1": fake.secret, "bob's hook 1": fake.secret, "@bob1": "token-bob-1"}
    restored_media = {p.name: p.read_bytes() for p in (restored / "media").rglob("*") if p.is_file()}
    assert restored_media == media_before
    published_in_backup = {key for key, status in back["targets"].items() if status == TargetStatus.PUBLISHED}
    assert set(keys(early)) <= published_in_backup
    # The restored install knows its keys are in the archive it came from (doctor and /ops/ read this).
    assert back["restores"] == [[str(archive), True]]
    assert not published_in_backup & set(later_keys)

    fake.latency = 0.05
    servers.append(Server(restored_env, tmp_path / "restored.log").start())
    total = EARLY + STREAM + LATER + 1
    wait_for(
        lambda: restored_statuses(restored_env).get(TargetStatus.PUBLISHED) == total,
        timeout=90,
        what="every post to be published by the restored install",
    )

    final = report(restored_env, due=[])
    resent = sorted(key for key in fake.posts if fake.received_for(key) > 1)
    print(
        f"\n[{connection.vendor}] {len(published_in_backup)} of {total} published in the backup, "
        f"{len(sent_before_restore)} sent before the source was lost; {len(resent)} re-sent with their key"
    )
    every_key = set(final["targets"])
    # Exactly once on the platform: one stored post per target, none for anything else, each signed with the
    # decrypted token; what the backup knew was out and the posts scheduled for later were each sent once.
    assert set(fake.posts) == every_key
    assert all(post.signature_ok for post in fake.posts.values())
    assert {fake.received_for(key) for key in published_in_backup | set(later_keys)} == {1}
    assert sent_before_restore - published_in_backup, "the source published nothing after the backup"
    assert set(final["targets"].values()) == {TargetStatus.PUBLISHED}
    assert final["reservations"] == ["consumed"] * total
    assert final["balances"] == {"carol": [2000 - (total - 1)] * 2, "bob": [500 - 1] * 2}
    consumed = [row for row in final["ledger"] if row[2] == "consume"]
    assert len(consumed) == total
    assert final["media"] == back["media"]
    assert os.stat(restored / "encryption_keys").st_mode & 0o777 == 0o600


def repack(archive: Path, target: Path, change: Any) -> Path:
    """A copy of `archive` with `change(name, data)` applied to each member's bytes."""
    with tarfile.open(archive) as tar, tarfile.open(target, "w:gz") as out:
        for member in tar:
            source = tar.extractfile(member)
            data = change(member.name, source.read() if source else b"")
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


def test_restore_refuses_what_would_not_come_back_and_leaves_the_directory_as_it_was(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch, on_postgres: bool
) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    (source / "media" / "uploads").mkdir(parents=True)
    (source / "media" / "uploads" / "a.png").write_bytes(b"a picture")
    (source / "encryption_keys").write_text(",".join(settings.TIDINGS_ENCRYPTION_KEYS) + "\n")
    (source / "secret_key").write_text(settings.SECRET_KEY + "\n")
    settings.DATA_DIR, settings.MEDIA_ROOT = source, source / "media"
    monkeypatch.delenv("TIDINGS_ENCRYPTION_KEYS", raising=False)
    monkeypatch.delenv("TIDINGS_SECRET_KEY", raising=False)
    create_account(make_user("alice", Tier.FREE))
    good = create_backup(tmp_path).path
    assert good.name.startswith("tidings-backup-")
    # The same install with its keys in the environment: they are left out of the archive.
    monkeypatch.setenv("TIDINGS_ENCRYPTION_KEYS", ",".join(settings.TIDINGS_ENCRYPTION_KEYS))
    keyless = create_backup(tmp_path / "keyless.tar.gz")
    assert keyless.manifest["secrets"]["encryption_keys"] == {"archived": False, "from": "TIDINGS_ENCRYPTION_KEYS"}
    assert "secrets/encryption_keys" not in keyless.manifest["files"]
    monkeypatch.delenv("TIDINGS_ENCRYPTION_KEYS")

    damaged = repack(good, tmp_path / "damaged.tar.gz", lambda name, data: b"another" if "a.png" in name else data)

    def from_the_future(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["posts"] = "9999_from_the_future"
        return json.dumps(manifest).encode()

    newer = repack(good, tmp_path / "newer.tar.gz", from_the_future)
    env = install_env(target, worker_env()["DATABASE_URL"] if on_postgres else None)
    for archive, refusal in [
        (damaged, "is damaged: media/uploads/a.png differs from its checksum."),
        (newer, "This archive is from a newer Tidings (0.1.0; posts.9999_from_the_future is unknown here)."),
        (keyless.path, "cannot decrypt the archived tokens. They are not in the archive: set TIDINGS_ENCRYPTION_KEYS"),
    ]:
        result = tidings(env, "restore", str(archive))
        assert result.returncode == 1, result.stdout
        assert refusal in result.stderr
        # Nothing placed, and the secrets its own start-up generated taken away again.
        assert sorted(p.name for p in target.iterdir()) == ["static", "tidings.lock"]

    result = tidings({**env, "TIDINGS_ENCRYPTION_KEYS": Fernet.generate_key().decode()}, "restore", str(good))
    assert result.returncode == 1
    assert "The encryption keys this install would use cannot decrypt the archived tokens." in result.stderr

    result = tidings(env, "restore", str(good))
    assert result.returncode == 0, result.stderr
    assert (target / "media" / "uploads" / "a.png").read_bytes() == b"a picture"
    assert (target / "encryption_keys").read_text() == (source / "encryption_keys").read_text()
