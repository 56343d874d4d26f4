"""`tidings doctor`: each check says ok, warn or fail, and what to do about anything that is not ok."""

import os
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tidings.core import encryption

Level = Literal["ok", "warn", "fail"]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
# Connections a process opens at most besides Django's pool (TIDINGS_DB_POOL_SIZE): DBOS's system-database pool in
# a worker (DBOS's default of 20) or its client's in a web process (5), plus the batch-enqueue engine (2 + 2).
WORKER_EXTRA_CONNECTIONS = 20 + 4
WEB_EXTRA_CONNECTIONS = 5 + 4


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    message: str
    fix: str = ""


def _uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return Check("database", "fail", f"cannot connect: {error}".strip(), "Check DATABASE_URL and that it runs.")
    return Check("database", "ok", f"{connection.vendor} database {settings.DATABASES['default']['NAME']} reachable")


def check_migrations() -> Check:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return Check("migrations", "fail", f"cannot read the migration state: {error}", "Fix the database first.")
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5]) + (" ..." if len(plan) > 5 else "")
        return Check("migrations", "fail", f"{len(plan)} unapplied: {names}", "Run `tidings migrate`.")
    return Check("migrations", "ok", "all applied")


def check_sqlite_for_dbos() -> Check:
    from tidings.jobs.runtime import MIN_SQLITE_FOR_DBOS

    if _uses_postgres():
        return Check("sqlite for DBOS", "ok", "not needed: DBOS uses PostgreSQL")
    wanted = ".".join(map(str, MIN_SQLITE_FOR_DBOS))
    if sqlite3.sqlite_version_info >= MIN_SQLITE_FOR_DBOS:
        return Check("sqlite for DBOS", "ok", f"the standard library's SQLite {sqlite3.sqlite_version} (>= {wanted})")
    try:
        from pysqlite3 import dbapi2  # type: ignore[import-untyped]
    except ImportError:
        return Check(
            "sqlite for DBOS",
            "fail",
            f"SQLite {sqlite3.sqlite_version} is older than {wanted}, and pysqlite3 is not installed",
            "pip install pysqlite3-binary, or use PostgreSQL (DATABASE_URL).",
        )
    return Check(
        "sqlite for DBOS",
        "ok",
        f"pysqlite3 with SQLite {dbapi2.sqlite_version} (the system's is {sqlite3.sqlite_version})",
    )


def _dbos_tables_exist() -> bool:
    if not _uses_postgres():
        return (settings.DATA_DIR / "dbos.sqlite3").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('dbos.workflow_status') IS NOT NULL")
        return bool(cursor.fetchone()[0])


def check_dbos() -> Check:
    from tidings.jobs import runtime

    where = "PostgreSQL (schema dbos)" if _uses_postgres() else str(settings.DATA_DIR / "dbos.sqlite3")
    if not _dbos_tables_exist():
        return Check(
            "DBOS system database",
            "warn",
            f"{where} has no DBOS tables yet",
            "Start `tidings serve` or `tidings worker` once: it creates it.",
        )
    try:
        runtime.client().list_workflows(limit=1, load_input=False, load_output=False)
    except Exception as error:
        return Check(
            "DBOS system database",
            "fail",
            f"{where} cannot be read ({type(error).__name__}: {str(error)[:200]})",
            "Check the database; start a worker once so that DBOS creates its tables.",
        )
    return Check("DBOS system database", "ok", f"{where} reachable")


def check_secret_key() -> Check:
    if os.environ.get("TIDINGS_SECRET_KEY"):
        if len(settings.SECRET_KEY) < 40:
            return Check("secret key", "warn", "TIDINGS_SECRET_KEY is short", "Use 50 random characters.")
        return Check("secret key", "ok", "TIDINGS_SECRET_KEY is set")
    level: Level = "warn" if _uses_postgres() else "ok"
    return Check(
        "secret key",
        level,
        f"generated into {settings.DATA_DIR / 'secret_key'}",
        "Set TIDINGS_SECRET_KEY, the same on every web process." if level == "warn" else "",
    )


def check_encryption_keys(*, stored: bool = True) -> Check:
    from tidings.platforms.models import SocialAccount

    source = "TIDINGS_ENCRYPTION_KEYS" if os.environ.get("TIDINGS_ENCRYPTION_KEYS") else "the data dir's file"
    try:
        probe = uuid.uuid4().hex
        if encryption.decrypt(encryption.encrypt(probe)) != probe:
            raise ValueError("a probe did not come back")
        # A stored token decrypts only when the key that wrote it is still listed.
        token = (
            SocialAccount.objects.exclude(access_token="").values_list("access_token", flat=True).first()
            if stored
            else None
        )
    except Exception as error:
        return Check(
            "encryption keys",
            "fail",
            str(error),
            "Put back the key the tokens were written with (keys are newest first; keep old ones until "
            "`tidings rotate-encryption-keys` has run).",
        )
    keys = len(settings.TIDINGS_ENCRYPTION_KEYS)
    detail = f"{keys} key(s) from {source}; " + ("a stored token decrypts" if token else "no stored tokens to try")
    if source != "TIDINGS_ENCRYPTION_KEYS" and _uses_postgres():
        return Check(
            "encryption keys", "warn", detail, "Set TIDINGS_ENCRYPTION_KEYS, the same on every process, and back it up."
        )
    return Check("encryption keys", "ok", detail)


def check_debug_and_hosts() -> list[Check]:
    hosts = list(settings.ALLOWED_HOSTS)
    public = [host for host in hosts if host not in LOCAL_HOSTS]
    checks = []
    if settings.DEBUG:
        level: Level = "fail" if public else "warn"
        checks.append(
            Check("debug", level, "TIDINGS_DEBUG is on: error pages show settings and code", "Unset TIDINGS_DEBUG.")
        )
    else:
        checks.append(Check("debug", "ok", "off"))
    if not hosts:
        checks.append(Check("allowed hosts", "fail", "empty: every request is refused", "Set TIDINGS_ALLOWED_HOSTS."))
    elif "*" in hosts:
        checks.append(Check("allowed hosts", "warn", "'*' answers to any Host header", "List your host names instead."))
    elif not public:
        checks.append(
            Check(
                "allowed hosts",
                "ok",
                f"local only ({', '.join(hosts)})",
                "Set TIDINGS_ALLOWED_HOSTS to your domain to serve beyond this machine.",
            )
        )
    elif not settings.SESSION_COOKIE_SECURE:
        checks.append(
            Check(
                "allowed hosts",
                "warn",
                f"{', '.join(public)} with cookies that also travel over plain http",
                "Serve over HTTPS and set TIDINGS_SECURE_COOKIES=1.",
            )
        )
    else:
        checks.append(Check("allowed hosts", "ok", ", ".join(hosts)))
    return checks


def check_ai_provider() -> Check:
    from tidings.generation.config import ProviderMisconfigured, site_config

    try:
        config = site_config()
    except ProviderMisconfigured as error:
        return Check("AI provider", "fail", error.message, "Fix the TIDINGS_AI_* variables (see README).")
    if config is None:
        return Check(
            "AI provider",
            "warn",
            "no site-wide provider: only users who add their own can write with AI",
            "Set TIDINGS_AI_PROVIDER (openai or anthropic), TIDINGS_AI_MODEL, TIDINGS_AI_API_KEY, and "
            "TIDINGS_AI_BASE_URL for an OpenAI-compatible server such as Ollama.",
        )
    where = config.base_url or "the vendor's API"
    key = "with a key" if config.api_key else "without a key"
    return Check("AI provider", "ok", f"{config.kind} model {config.model} at {where}, {key}")


def check_platforms() -> Check:
    from tidings.platforms.models import Platform
    from tidings.platforms.registry import CONNECTORS

    ready = [p for p, c in CONNECTORS.items() if c.is_configured()]
    unconfigured = [p for p, c in CONNECTORS.items() if not c.is_configured()]
    missing = [p for p in Platform.values if p not in CONNECTORS]
    message = f"available: {', '.join(ready) or 'none'}"
    if missing:
        message += f"; not supported by this version: {', '.join(missing)}"
    if not ready:
        return Check("platforms", "fail", message, "No platform can publish: configure one (see below).")
    if unconfigured:
        names = ", ".join(f"TIDINGS_{p.upper()}_CLIENT_ID" for p in unconfigured)
        return Check(
            "platforms",
            "ok",
            f"{message}; unavailable until configured: {', '.join(unconfigured)}",
            f"To offer them, register an app with each platform and set {names} with the matching _CLIENT_SECRET.",
        )
    return Check("platforms", "ok", message)


def check_api_versions(*, today: date | None = None) -> list[Check]:
    """The Graph API and LinkedIn versions this server calls: a warning within two months of a sunset, a failure
    past it (the platform then refuses every call)."""
    from tidings.platforms.versions import GRAPH_NOT_YET_DATED, graph_version, linkedin_version, two_months_after

    today = today or timezone.localdate()
    checks = []
    for found in (graph_version(), linkedin_version()):
        name, fix = f"{found.api} version", f"Set {found.setting} to a newer version, after reading its changelog."
        if not found.valid:
            checks.append(Check(name, "fail", f"{found.setting}={found.version!r} is not a version", fix))
            continue
        if found.sunset is None:
            level: Level = "ok" if found.version in GRAPH_NOT_YET_DATED else "warn"
            known = "no sunset announced yet" if level == "ok" else "its sunset is unknown to this release"
            checks.append(Check(name, level, f"{found.version}: {known}", "" if level == "ok" else fix))
            continue
        when = f"{'about ' if found.approximate else ''}{found.sunset:%d %B %Y}"
        if found.sunset < today:
            checks.append(Check(name, "fail", f"{found.version} was retired on {when}", fix))
        elif found.sunset <= two_months_after(today):
            checks.append(Check(name, "warn", f"{found.version} is retired on {when}", fix))
        else:
            checks.append(Check(name, "ok", f"{found.version}, supported until {when}"))
    return checks


def check_postgres_connections(*, web: int, workers: int) -> Check:
    if not _uses_postgres():
        return Check("connections", "ok", "SQLite: no connection limit")
    pool = int(os.environ.get("TIDINGS_DB_POOL_SIZE", "10"))
    expected = web * (pool + WEB_EXTRA_CONNECTIONS) + workers * (pool + WORKER_EXTRA_CONNECTIONS)
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        maximum = int(cursor.fetchone()[0])
        cursor.execute("SHOW superuser_reserved_connections")
        reserved = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM pg_stat_activity")
        in_use = int(cursor.fetchone()[0])
    usable = maximum - reserved
    message = (
        f"{web} web + {workers} worker processes may open up to {expected} connections "
        f"(pool {pool}); max_connections {maximum} ({reserved} reserved), {in_use} open now"
    )
    if expected > usable:
        return Check(
            "connections",
            "warn",
            message,
            f"Raise max_connections to at least {expected + reserved}, lower TIDINGS_DB_POOL_SIZE, or put PgBouncer "
            "(session mode) in front.",
        )
    return Check("connections", "ok", message)


def check_django() -> Check:
    """Django's own system checks (settings, URLs, models): errors here stop every other command."""
    from django.core import checks

    try:
        problems = [m for m in checks.run_checks() if m.level >= checks.ERROR]
    except Exception as error:
        return Check("django", "fail", f"{type(error).__name__}: {str(error)[:300]}", "Fix the error shown.")
    if problems:
        shown = "; ".join(f"{m.id}: {m.msg}" for m in problems[:3])
        return Check("django", "fail", shown, "Fix the settings named.")
    return Check("django", "ok", "system checks pass")


def check_data_dir() -> Check:
    path = settings.DATA_DIR
    if not path.is_dir() or not os.access(path, os.W_OK):
        return Check("data directory", "fail", f"{path} is not a writable directory", "Create it or fix its owner.")
    return Check("data directory", "ok", str(path))


def check_backups() -> list[Check]:
    """How old the last `tidings backup` is, and whether the keys generated here are in one."""
    from tidings.ops.backup import backup_status

    now = timezone.now()
    status = backup_status(now=now)
    fix = "Run `tidings backup PATH` (or set TIDINGS_BACKUP_DIR for a nightly one) and keep copies off this machine."
    if _uses_postgres():
        fix += " The database itself is pg_dump's to back up."
    age = status.age_warning(now)
    if age:
        checks = [Check("backups", "warn", age, fix)]
    else:
        assert status.last is not None
        checks = [Check("backups", "ok", f"last {status.last.created_at:%Y-%m-%d %H:%M} UTC, {status.last.location}")]
    if status.unarchived_keys:
        checks.append(Check("keys backed up", "warn", status.keys_warning(), fix))
    elif status.generated_keys:
        checks.append(Check("keys backed up", "ok", f"{', '.join(status.generated_keys)} in a recorded backup"))
    else:
        checks.append(Check("keys backed up", "ok", "from the environment: keep them in your secret store"))
    return checks


def check_upgrade_path() -> Check:
    """How the Plan page tells users to upgrade: the words only, so the operator learns here which setting is used."""
    from tidings.tiers.upgrade import upgrade_path

    path = upgrade_path()
    if settings.TIDINGS_UPGRADE_URL and not path.url:
        return Check(
            "upgrade path",
            "warn",
            f"TIDINGS_UPGRADE_URL {settings.TIDINGS_UPGRADE_URL!r} is not a web address, so it is not shown",
            "Give the full https:// address of your plans page.",
        )
    if path.url:
        named = f"; questions to {path.contact}" if path.contact else ""
        return Check("upgrade path", "ok", f"the Plan page links to {path.url}{named}")
    if path.contact:
        return Check("upgrade path", "ok", f"the Plan page says to ask {path.contact} to change plans")
    return Check(
        "upgrade path",
        "ok",
        "the Plan page says to ask the person who runs this server, without an address",
        "Set TIDINGS_UPGRADE_URL to the page where users change plans, or TIDINGS_UPGRADE_CONTACT to an address "
        "they can write to.",
    )


def run_checks(*, web: int = 1, workers: int = 1) -> list[Check]:
    """Every check; those that need the database (or its tables) are left out when it is unreachable (or empty)."""
    checks = [check_data_dir(), check_django(), check_database()]
    database_ok = checks[-1].level != "fail"
    migrated = False
    if database_ok:
        checks.append(check_migrations())
        migrated = checks[-1].level != "fail"
        checks.append(check_postgres_connections(web=web, workers=workers))
    checks += [check_sqlite_for_dbos()]
    if database_ok:
        checks.append(check_dbos())
    checks += [check_secret_key(), check_encryption_keys(stored=migrated)]
    if migrated:
        checks += check_backups()
    checks += [*check_debug_and_hosts(), check_ai_provider(), check_platforms(), *check_api_versions()]
    checks.append(check_upgrade_path())
    return checks
