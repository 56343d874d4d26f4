"""`tidings restore`: an archive of `tidings backup` into an empty data directory, checked before anything is placed.

Refused, changing nothing, when the data directory is in use (a `tidings serve` or `tidings worker` holds its lock,
see `core.data_dir`) or already has a database, media or secrets of its own (secrets this very command generated
while starting do not count); when a member is missing, extra or differs from its sha256 in the manifest; when the
archive comes from a newer Tidings or the other database engine; and when the encryption keys the install would use
cannot decrypt the archived tokens.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from tidings.core import data_dir, local_secrets
from tidings.core.errors import DomainError
from tidings.jobs import runtime
from tidings.ops import backup_manifest
from tidings.ops.backup import DBOS_DB, DJANGO_DB, secrets_held, uses_sqlite
from tidings.ops.models import BackupRecord

MEMBER = re.compile(
    r"manifest\.json|database/(tidings|dbos)\.sqlite3|secrets/(secret_key|encryption_keys|demo_password)"
)


class RestoreRefused(DomainError):
    code = "restore_refused"


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _database_files() -> dict[str, Path]:
    if not uses_sqlite():
        return {}
    return {DJANGO_DB: Path(connection.settings_dict["NAME"]), DBOS_DB: runtime.sqlite_system_database()}


def restore_backup(archive: Path) -> Restored:
    """Check `archive` whole, then place its databases, media and secrets into this install's data directory."""
    if not archive.is_file():
        raise RestoreRefused(f"There is no file {archive}.")
    with data_dir.exclusive(settings.DATA_DIR):
        with tempfile.TemporaryDirectory(prefix=".restore-", dir=settings.DATA_DIR) as staging_name:
            staging = Path(staging_name)
            try:
                _refuse_unless_empty()
                manifest = _extract_verified(archive, staging)
                notes = _check(manifest, staging)
            except BaseException:
                _drop_secrets_made_here()
                raise
            _place(manifest, staging)
        notes += _record(manifest, archive)
    return Restored(manifest=manifest, notes=notes)


def _drop_secrets_made_here() -> None:
    """A refused restore leaves the directory as it found it, so that it can be run again once put right; the
    secrets this command's own start-up generated are nobody else's (the lock is held)."""
    for name in local_secrets.FILES:
        path = (settings.DATA_DIR / name).resolve()
        if path in local_secrets.created_here:
            path.unlink(missing_ok=True)
            local_secrets.created_here.discard(path)


def _refuse_unless_empty() -> None:
    where = settings.DATA_DIR
    for path in _database_files().values():
        for candidate in (path, path.with_name(path.name + "-wal")):
            if candidate.is_file() and candidate.stat().st_size > 0:
                raise RestoreRefused(f"{where} already has a database ({candidate}): restore into an empty one.")
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(path.is_file() for path in media.rglob("*")):
        raise RestoreRefused(f"{where} already holds uploaded media ({media}): restore into an empty data directory.")
    for name in local_secrets.FILES:
        path = where / name
        if path.exists() and path.resolve() not in local_secrets.created_here:
            raise RestoreRefused(f"{where} already has its own {name}: restore into an empty data directory.")


def _member_is_safe(name: str) -> bool:
    parts = PurePosixPath(name).parts
    if name.startswith("/") or "\\" in name or ".." in parts or "." in parts:
        return False
    return bool(MEMBER.fullmatch(name)) or (len(parts) > 1 and parts[0] == "media")


def _extract_verified(archive: Path, staging: Path) -> dict[str, Any]:
    """Unpack into `staging`, hashing as it goes; the manifest must list exactly the members found, byte for byte."""
    found: dict[str, dict[str, Any]] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.isdir():
                    continue
                if not member.isfile() or not _member_is_safe(member.name) or member.name in found:
                    raise RestoreRefused(f"{archive} holds {member.name!r}, which no Tidings backup does.")
                source = tar.extractfile(member)
                assert source is not None  # a regular file
                if member.name == "manifest.json":
                    manifest = json.loads(source.read())
                    continue
                target = staging / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with target.open("xb") as out:
                    for chunk in iter(partial(source.read, 1 << 20), b""):
                        digest.update(chunk)
                        out.write(chunk)
                found[member.name] = {"sha256": digest.hexdigest(), "size": target.stat().st_size}
    except (OSError, EOFError, tarfile.TarError, zlib.error, json.JSONDecodeError) as error:
        raise RestoreRefused(f"{archive} cannot be read as a backup archive ({error}).") from None
    if manifest is None or manifest.get("format") != backup_manifest.FORMAT:
        raise RestoreRefused(f"{archive} has no manifest of a format this Tidings reads.")
    expected: dict[str, Any] = manifest["files"]
    problems = [f"{name} is missing" for name in sorted(expected.keys() - found.keys())]
    problems += [f"{name} is not in the manifest" for name in sorted(found.keys() - expected.keys())]
    problems += [
        f"{name} differs from its checksum"
        for name in sorted(expected)
        if name in found and found[name] != expected[name]
    ]
    if problems:
        raise RestoreRefused(f"{archive} is damaged: {'; '.join(problems[:5])}.")
    return manifest


def _check(manifest: dict[str, Any], staging: Path) -> list[str]:
    """Refuse what would not come back working; say what the operator still has to do."""
    engine = manifest["database"]["engine"]
    if engine == "sqlite" and not uses_sqlite():
        raise RestoreRefused("This archive holds SQLite databases and DATABASE_URL points elsewhere: unset it.")
    if engine == "postgresql" and uses_sqlite():
        raise RestoreRefused(
            "This archive was made on PostgreSQL, whose database comes back with pg_restore: set DATABASE_URL to "
            "the restored database and run this again."
        )
    newer = backup_manifest.unknown_migrations(manifest["migrations"])
    if newer:
        made_by = manifest["versions"]["tidings"]
        raise RestoreRefused(f"This archive is from a newer Tidings ({made_by}; {newer[0]} is unknown here).")
    notes = _check_keys(manifest, staging)
    leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()
    if any(manifest["migrations"].get(app, "") < name for app, name in leaves):
        notes.append("The archive is from an older Tidings: run `tidings migrate` before starting.")
    if engine == "postgresql":
        notes.append(
            "The database is not in this archive: restore your pg_dump of it into the database DATABASE_URL "
            "names (pg_restore --no-owner --dbname=...)."
        )
    if manifest["secrets"].get("secret_key", {}).get("from") == "TIDINGS_SECRET_KEY" and not os.environ.get(
        "TIDINGS_SECRET_KEY"
    ):
        notes.append("The original's TIDINGS_SECRET_KEY is not in the archive: set it, or everyone is signed out.")
    running = manifest.get("workflows", {}).get("pending by executor", {})
    if running:
        ids = ", ".join(f"{executor} ({n})" for executor, n in running.items())
        notes.append(
            f"Workflows under way belong to executor {ids}: start `tidings serve --executor-id ID` (or the worker "
            "with that id) so that DBOS resumes them."
        )
    return notes


def _check_keys(manifest: dict[str, Any], staging: Path) -> list[str]:
    from_environment = os.environ.get("TIDINGS_ENCRYPTION_KEYS", "")
    archived = staging / "secrets" / "encryption_keys"
    if from_environment:
        raw = from_environment
    elif archived.is_file():
        raw = archived.read_text()
    else:
        raw = ",".join(settings.TIDINGS_ENCRYPTION_KEYS)  # generated by this command's start-up
    token = _sample_token(staging)
    if token is None:
        return [] if uses_sqlite() else ["Run `tidings doctor` once the database is back: it tries a stored token."]
    try:
        MultiFernet([Fernet(key.strip()) for key in raw.split(",") if key.strip()]).decrypt(token.encode())
    except (InvalidToken, ValueError):
        source = manifest["secrets"].get("encryption_keys", {}).get("from", "")
        hint = (
            f" They are not in the archive: set {source} as on the original." if source.startswith("TIDINGS_") else ""
        )
        raise RestoreRefused(
            f"The encryption keys this install would use cannot decrypt the archived tokens.{hint}"
        ) from None
    return []


def _sample_token(staging: Path) -> str | None:
    sql = "SELECT access_token FROM platforms_socialaccount WHERE access_token <> '' LIMIT 1"
    try:
        if uses_sqlite():
            db = sqlite3.connect(staging / DJANGO_DB)
            try:
                row = db.execute(sql).fetchone()
            finally:
                db.close()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                row = cursor.fetchone()
    except (sqlite3.Error, DatabaseError):
        return None  # no such table: nothing stored yet, or (PostgreSQL) the database is not back yet
    return str(row[0]) if row else None


def _move(source: Path, target: Path, mode: int | None = None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(source, target)
    if mode is not None:
        os.chmod(target, mode)


def _place(manifest: dict[str, Any], staging: Path) -> None:
    connections.close_all()
    for name, target in _database_files().items():
        if (staging / name).is_file():
            for leftover in (target.with_name(target.name + suffix) for suffix in ("", "-wal", "-shm")):
                leftover.unlink(missing_ok=True)  # empty files a connection made; refused above when not empty
            _move(staging / name, target, 0o600)
    media = staging / "media"
    if media.is_dir():
        for path in sorted(p for p in media.rglob("*") if p.is_file()):
            _move(path, Path(settings.MEDIA_ROOT) / path.relative_to(media))
    secrets = staging / "secrets"
    if secrets.is_dir():
        for path in secrets.iterdir():
            os.replace(path, settings.DATA_DIR / path.name)
            os.chmod(settings.DATA_DIR / path.name, 0o600)


def _record(manifest: dict[str, Any], archive: Path) -> list[str]:
    """The restored keys are in the archive they came from: say so where `tidings doctor` and /ops/ look."""
    try:
        BackupRecord.objects.update_or_create(
            location=str(archive.resolve()),
            defaults={
                "created_at": manifest["created_at"],
                "kind": manifest["kind"],
                "database_included": manifest["database"]["included"],
                "secrets": secrets_held(manifest),
                "size_bytes": archive.stat().st_size,
                "restored_at": timezone.now(),
            },
        )
    except DatabaseError:
        return ["The restore is not recorded in the database (not migrated yet); `tidings doctor` will not know it."]
    return []
