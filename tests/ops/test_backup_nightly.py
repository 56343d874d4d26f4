"""The nightly backup makes a dated archive per tick in TIDINGS_BACKUP_DIR and deletes the oldest beyond
TIDINGS_BACKUP_KEEP; its schedule exists only while the directory is set. `tidings doctor` and /ops/ warn until the
keys generated in the data dir are in a backup less than two days old."""

import json
import tarfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from dbos import DBOS
from django.test import Client
from django.utils import timezone

from tidings.jobs import schedules
from tidings.jobs.workflows import maintenance
from tidings.ops import doctor
from tidings.ops.backup import create_backup
from tidings.ops.models import BackupRecord

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir with generated keys of its own (the test database stays the database)."""
    path = tmp_path / "data"
    (path / "media").mkdir(parents=True)
    (path / "encryption_keys").write_text(",".join(settings.TIDINGS_ENCRYPTION_KEYS) + "\n")
    (path / "secret_key").write_text(settings.SECRET_KEY + "\n")
    settings.DATA_DIR, settings.MEDIA_ROOT = path, path / "media"
    monkeypatch.delenv("TIDINGS_ENCRYPTION_KEYS", raising=False)
    monkeypatch.delenv("TIDINGS_SECRET_KEY", raising=False)
    return path


def checks() -> dict[str, doctor.Check]:
    return {check.name: check for check in doctor.check_backups()}


@pytest.mark.usefixtures("worker")
def test_nightly_backups_are_dated_by_their_tick_and_only_the_newest_are_kept(
    settings: Any, tmp_path: Path, on_postgres: bool
) -> None:
    folder = tmp_path / "nightly"
    settings.TIDINGS_BACKUP_DIR, settings.TIDINGS_BACKUP_KEEP = str(folder), 2
    schedules.apply_schedules()
    schedule = DBOS.get_schedule(schedules.BACKUP_SCHEDULE)
    assert schedule is not None
    assert (schedule["schedule"], schedule["cron_timezone"]) == ("0 3 * * *", "UTC")
    folder.mkdir()
    (folder / "notes.txt").write_text("the operator's own file")

    start = datetime(2030, 1, 1, tzinfo=UTC)
    for handle in DBOS.backfill_schedule(schedules.BACKUP_SCHEDULE, start, start + timedelta(days=3)):
        handle.get_result()

    kept = ["tidings-backup-20300102T030000Z.tar.gz", "tidings-backup-20300103T030000Z.tar.gz"]
    assert sorted(path.name for path in folder.iterdir()) == ["notes.txt", *kept]
    records = BackupRecord.objects.order_by("location")
    assert [(Path(r.location).name, r.kind, r.database_included) for r in records] == [
        (name, "nightly", not on_postgres) for name in kept
    ]
    with tarfile.open(folder / kept[-1]) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        manifest = json.load(member)
    # This very workflow was running in the DBOS database it copied.
    assert sum(manifest["workflows"]["pending by executor"].values()) >= 1
    if not on_postgres:
        assert manifest["database"]["files"] == ["database/tidings.sqlite3", "database/dbos.sqlite3"]

    settings.TIDINGS_BACKUP_DIR = ""
    schedules.apply_schedules()
    assert DBOS.get_schedule(schedules.BACKUP_SCHEDULE) is None


def test_the_doctor_and_the_dashboard_warn_until_the_keys_are_in_a_recent_backup(
    data_dir: Path, staff_client: Client, tmp_path: Path
) -> None:
    keys_file, secret_file = data_dir / "encryption_keys", data_dir / "secret_key"
    found = checks()
    assert (found["backups"].level, found["backups"].message) == ("warn", "No backup has been made.")
    assert found["backups"].fix.startswith("Run `tidings backup PATH` (or set TIDINGS_BACKUP_DIR for a nightly one)")
    assert (found["keys backed up"].level, found["keys backed up"].message) == (
        "warn",
        f"{keys_file} and {secret_file} (generated on this machine) are in no backup: were the data directory lost, "
        "no connected account's tokens could be decrypted again and everyone would be signed out.",
    )
    page = staff_client.get("/ops/").content.decode()
    assert "<strong>Warning:</strong> No backup has been made." in page
    assert f"{keys_file} and {secret_file} (generated on this machine) are in no backup" in page

    made = create_backup(tmp_path / "today.tar.gz")
    found = checks()
    assert found["backups"].level == "ok"
    assert found["backups"].message.endswith(f"UTC, {made.path}")
    assert (found["keys backed up"].level, found["keys backed up"].message) == (
        "ok",
        "encryption_keys, secret_key in a recorded backup",
    )
    page = staff_client.get("/ops/").content.decode()
    assert "Warning:" not in page
    assert f"<code>{made.path}</code>" in page

    BackupRecord.objects.update(created_at=timezone.now() - timedelta(days=3))
    found = checks()
    assert found["backups"].level == "warn"
    assert found["backups"].message.startswith("The last backup is 3 days old (")
    # A new key put first (a rotation) is in no backup until the next one.
    keys_file.write_text(Fernet.generate_key().decode() + "," + keys_file.read_text())
    found = checks()
    assert (found["keys backed up"].level, found["keys backed up"].message) == (
        "warn",
        f"{keys_file} (generated on this machine) is in no backup: were the data directory lost, no connected "
        "account's tokens could be decrypted again.",
    )
    assert "The last backup is 3 days old" in staff_client.get("/ops/").content.decode()


def test_keys_from_the_environment_are_not_archived_and_not_warned_about(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TIDINGS_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("TIDINGS_SECRET_KEY", "s" * 50)
    found = checks()
    assert (found["keys backed up"].level, found["keys backed up"].message) == (
        "ok",
        "from the environment: keep them in your secret store",
    )
    made = create_backup(tmp_path)
    assert not any(name.startswith("secrets/") for name in made.manifest["files"])
    assert made.manifest["secrets"] == {
        "secret_key": {"archived": False, "from": "TIDINGS_SECRET_KEY"},
        "encryption_keys": {"archived": False, "from": "TIDINGS_ENCRYPTION_KEYS"},
    }
    assert BackupRecord.objects.get().secrets == {}


def test_a_nightly_run_waits_for_one_already_writing_into_the_same_folder(tmp_path: Path) -> None:
    """Overlapping runs (a backfill, a catch-up) take turns: otherwise one run's pruning deletes the archive the
    other is about to record, and the record then names a missing file."""
    folder = tmp_path / "nightly"
    folder.mkdir()
    tick = datetime(2030, 1, 1, 3, tzinfo=UTC)
    with ThreadPoolExecutor(1) as pool, maintenance.one_backup_at_a_time(folder):
        waiting = pool.submit(maintenance._back_up, str(folder), tick.isoformat(), 2)
        with pytest.raises(TimeoutError):
            waiting.result(timeout=1)
        assert list(folder.iterdir()) == []
    assert Path(waiting.result(timeout=60)).name == "tidings-backup-20300101T030000Z.tar.gz"
