"""`tidings backup`: one `.tar.gz` holding what a data directory needs to come back; retention; how old the last is.

One file rather than a directory: it is copied off the machine and deleted by retention as a unit, it is written
under a temporary name and renamed when complete (a half-written backup never looks like one), and it is readable
by its owner only, since it holds the keys that decrypt every connected account's tokens.

Inside: `database/` (copies of the Django and DBOS SQLite databases as of one instant; on PostgreSQL the database is
pg_dump's job), `media/` (MEDIA_ROOT), `secrets/` (the secret files generated into the data dir, unless their
environment variable replaces them) and `manifest.json` (versions, migration heads, row counts, unfinished
workflows, and the sha256 of every other member, which a restore checks).
"""

import hashlib
import io
import json
import os
import re
import socket
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.utils import timezone

from tidings.core import local_secrets
from tidings.core.errors import InvalidInput
from tidings.jobs import runtime
from tidings.ops import backup_manifest
from tidings.ops.models import BackupKind, BackupRecord
from tidings.ops.sqlite_snapshot import Copy, copy_together

ARCHIVE_PREFIX, ARCHIVE_SUFFIX = "tidings-backup-", ".tar.gz"
ARCHIVE_NAME = re.compile(r"tidings-backup-\d{8}T\d{6}Z\.tar\.gz")
DJANGO_DB, DBOS_DB = "database/tidings.sqlite3", "database/dbos.sqlite3"
STALE_AFTER = timedelta(days=2)
# The secrets whose loss loses data (tokens, sessions); the demo password is archived but not worth a warning.
KEY_FILES = ("encryption_keys", "secret_key")
LOSSES = {
    "encryption_keys": "no connected account's tokens could be decrypted again",
    "secret_key": "everyone would be signed out",
}


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def uses_sqlite() -> bool:
    return connection.vendor == "sqlite"


def archive_name(at: datetime) -> str:
    return f"{ARCHIVE_PREFIX}{at.astimezone(UTC):%Y%m%dT%H%M%SZ}{ARCHIVE_SUFFIX}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def secrets_held(manifest: dict[str, Any]) -> dict[str, str]:
    """The secret files an archive holds, by name, with their sha256 (what the status checks compare)."""
    files = manifest["files"].items()
    return {name.removeprefix("secrets/"): info["sha256"] for name, info in files if name.startswith("secrets/")}


def pg_dump_command() -> str:
    db = connection.settings_dict
    parts = ["pg_dump", "--format=custom", "--file=tidings.dump"]
    parts += [f"--host={db['HOST']}"] if db.get("HOST") else []
    parts += [f"--port={db['PORT']}"] if db.get("PORT") else []
    parts += [f"--username={db['USER']}"] if db.get("USER") else []
    return " ".join([*parts, str(db["NAME"])])


def create_backup(destination: Path, *, kind: str = BackupKind.MANUAL, at: datetime | None = None) -> Backup:
    """Write an archive to `destination` (a file name, or a directory to put a dated one in) and record it."""
    at = at or timezone.now()
    path = (destination / archive_name(at) if destination.is_dir() else destination).resolve()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if path.is_relative_to(media_root):
        raise InvalidInput(f"{path} is inside MEDIA_ROOT ({media_root}): each backup would hold the ones before.")
    if not path.parent.is_dir():
        raise InvalidInput(f"{path.parent} is not a directory.")
    with tempfile.TemporaryDirectory(prefix=".tidings-backup-", dir=path.parent) as staging:
        manifest, members, notes = _gather(Path(staging), kind=kind)
        _write_archive(path, members, manifest)
    BackupRecord.objects.update_or_create(
        location=str(path),
        defaults={
            "created_at": datetime.fromisoformat(manifest["created_at"]),
            "kind": kind,
            "database_included": manifest["database"]["included"],
            "secrets": secrets_held(manifest),
            "size_bytes": path.stat().st_size,
            "restored_at": None,
        },
    )
    return Backup(path=path, manifest=manifest, notes=notes)


def _gather(staging: Path, *, kind: str) -> tuple[dict[str, Any], list[tuple[str, Path, int]], list[str]]:
    """Snapshot the databases into `staging` and describe everything the archive will hold."""
    members: list[tuple[str, Path, int]] = []
    notes: list[str] = []
    manifest: dict[str, Any] = {"format": backup_manifest.FORMAT, "kind": kind, "host": socket.gethostname()}
    manifest["versions"] = backup_manifest.versions()
    if uses_sqlite():
        manifest.update(_snapshot_sqlite(staging, members))
    else:
        manifest["created_at"] = timezone.now().isoformat()
        manifest["database"] = {"engine": "postgresql", "included": False, "name": connection.settings_dict["NAME"]}
        manifest.update(_describe_live_postgres())
        notes.append(
            "PostgreSQL: the database (Django's tables and DBOS's schema `dbos`, one consistent dump) is not in this "
            f"archive. Back it up with: {pg_dump_command()}"
        )
    manifest["media"] = _media_members(members)
    if not manifest["media"]["archived"]:
        notes.append(f"Media are stored by {manifest['media']['storage']}: back them up where they live.")
    manifest["secrets"] = {}
    for name, variable in local_secrets.FILES.items():
        if variable and os.environ.get(variable):
            manifest["secrets"][name] = {"archived": False, "from": variable}
        elif (settings.DATA_DIR / name).is_file():
            manifest["secrets"][name] = {"archived": True, "from": "data dir"}
            members.append((f"secrets/{name}", settings.DATA_DIR / name, 0o600))
    return manifest, members, notes


def _snapshot_sqlite(staging: Path, members: list[tuple[str, Path, int]]) -> dict[str, Any]:
    django_db = Path(connection.settings_dict["NAME"])
    if not django_db.is_file():
        raise InvalidInput(f"There is no database at {django_db}: nothing to back up.")
    copies = [Copy(django_db, staging / "tidings.sqlite3", sqlite3)]
    dbos_db = runtime.sqlite_system_database()
    if dbos_db.is_file():
        copies.append(Copy(dbos_db, staging / "dbos.sqlite3", runtime.sqlite_module()))
    created_at = timezone.now()
    copy_together(copies)
    members.append((DJANGO_DB, copies[0].destination, 0o600))
    described: dict[str, Any] = {
        "created_at": created_at.isoformat(),
        "database": {"engine": "sqlite", "included": True, "files": [DJANGO_DB]},
    }
    described.update(_describe(_query_file(copies[0])))
    described["workflows"] = {"note": "no DBOS database yet"}
    if len(copies) == 2:
        members.append((DBOS_DB, copies[1].destination, 0o600))
        described["database"]["files"].append(DBOS_DB)
        query = _query_file(copies[1])
        if query("SELECT count(*) FROM sqlite_master WHERE name = 'workflow_status'")[0][0]:
            described["workflows"] = backup_manifest.workflows(query, "workflow_status")
    return described


def _query_file(copy: Copy) -> backup_manifest.Query:
    def query(sql: str) -> list[Any]:
        db = copy.driver.connect(str(copy.destination))
        try:
            return list(db.execute(sql).fetchall())
        finally:
            db.close()

    return query


def _describe(query: backup_manifest.Query) -> dict[str, Any]:
    return {"migrations": backup_manifest.migration_heads(query), "counts": backup_manifest.row_counts(query)}


def _describe_live_postgres() -> dict[str, Any]:
    def query(sql: str) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    described = _describe(query)
    if query("SELECT to_regclass('dbos.workflow_status') IS NOT NULL")[0][0]:
        described["workflows"] = backup_manifest.workflows(query, "dbos.workflow_status")
    return described


def _media_members(members: list[tuple[str, Path, int]]) -> dict[str, Any]:
    if not isinstance(default_storage, FileSystemStorage):
        return {"archived": False, "storage": type(default_storage).__name__}
    root = Path(settings.MEDIA_ROOT)
    found = (
        sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink()) if root.is_dir() else []
    )
    members += [(f"media/{path.relative_to(root).as_posix()}", path, 0o644) for path in found]
    return {"archived": True, "files": len(found)}


class _Hashing:
    """Hands tarfile a file's bytes and hashes exactly what went into the archive."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _write_archive(path: Path, members: list[tuple[str, Path, int]], manifest: dict[str, Any]) -> None:
    partial = path.with_name(f".{path.name}.partial")
    files: dict[str, dict[str, Any]] = {}
    now = datetime.fromisoformat(manifest["created_at"]).timestamp()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                for arcname, source, mode in members:
                    try:
                        handle = source.open("rb")
                    except FileNotFoundError:
                        continue  # a media file deleted since it was listed: the copied rows may not need it
                    with handle:
                        info = tarfile.TarInfo(arcname)
                        info.size, info.mode, info.mtime = os.fstat(handle.fileno()).st_size, mode, now
                        hashing = _Hashing(handle)
                        tar.addfile(info, hashing)
                    files[arcname] = {"sha256": hashing.digest.hexdigest(), "size": info.size}
                manifest["files"] = files
                data = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size, info.mode, info.mtime = len(data), 0o600, now
                tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def prune_backups(directory: Path, *, keep: int) -> list[Path]:
    """Delete the oldest dated archives in `directory` beyond the newest `keep` (other files are left alone)."""
    if keep < 1:
        raise InvalidInput("Keep at least one backup.")
    archives = sorted(p for p in directory.iterdir() if ARCHIVE_NAME.fullmatch(p.name) and p.is_file())
    old = archives[:-keep]
    for path in old:
        path.unlink(missing_ok=True)
    # An archive that is gone holds nobody's keys any more; that includes one that a backup running at the same
    # time recorded only after this folder was listed (nightly runs can overlap when a schedule is backfilled).
    here = str(directory.resolve())
    records = BackupRecord.objects.filter(location__startswith=here).values_list("pk", "location")
    gone = {str(path.resolve()) for path in old} | {location for _, location in records if not Path(location).exists()}
    BackupRecord.objects.filter(location__in=gone).delete()
    return old


@dataclass(frozen=True)
class BackupStatus:
    last: BackupRecord | None
    stale: bool
    # Key files generated into the data dir and in use, and those of them no recorded archive holds as they are now.
    generated_keys: list[str]
    unarchived_keys: list[str]

    def age_warning(self, now: datetime) -> str:
        if self.last is None:
            return "No backup has been made."
        if not self.stale:
            return ""
        days = (now - self.last.created_at) // timedelta(days=1)
        return f"The last backup is {days} days old ({self.last.created_at:%Y-%m-%d %H:%M} UTC, {self.last.location})."

    def keys_warning(self) -> str:
        if not self.unarchived_keys:
            return ""
        files = " and ".join(str(settings.DATA_DIR / name) for name in self.unarchived_keys)
        verb = "is" if len(self.unarchived_keys) == 1 else "are"
        losses = " and ".join(LOSSES[name] for name in self.unarchived_keys)
        return f"{files} (generated on this machine) {verb} in no backup: were the data directory lost, {losses}."


def generated_keys() -> dict[str, str]:
    """The key files in use from the data dir (not replaced by their variable), by name, with their sha256."""
    found = {}
    for name in KEY_FILES:
        variable = local_secrets.FILES[name]
        path = settings.DATA_DIR / name
        if not (variable and os.environ.get(variable)) and path.is_file():
            found[name] = sha256_of(path)
    return found


def backup_status(*, now: datetime | None = None) -> BackupStatus:
    now = now or timezone.now()
    last = BackupRecord.objects.order_by("-created_at").first()
    keys = generated_keys()
    archived = {
        (name, digest)
        for held in BackupRecord.objects.values_list("secrets", flat=True)
        for name, digest in held.items()
    }
    return BackupStatus(
        last=last,
        stale=last is None or last.created_at < now - STALE_AFTER,
        generated_keys=list(keys),
        unarchived_keys=[name for name, digest in keys.items() if (name, digest) not in archived],
    )
