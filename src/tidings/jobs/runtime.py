"""Starting DBOS in the processes that execute work, and a client for the ones that only enqueue and inspect.

Only worker processes (and `tidings serve`, the embedded default) launch DBOS, each with its own stable executor
id, so a restart of the same slot recovers its unfinished workflows. Django's own processes (migrate, tests, web
processes in scale-out) never launch it.
"""

import logging
import socket
import sqlite3
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dbos import DBOS, DBOSClient, DBOSConfig
from django.conf import settings

logger = logging.getLogger(__name__)

# Pinned: an unpinned version is a hash of the workflow code, and a deploy would strand pending workflows.
# Breaking changes to a workflow's steps go through DBOS.patch() instead of a new version.
APPLICATION_VERSION = "tidings-1"
APPLICATION_NAME = "tidings"
# DBOS's SQLite schema uses unixepoch('subsec'), which SQLite gained in 3.42.
MIN_SQLITE_FOR_DBOS = (3, 42, 0)

_state: dict[str, Any] = {"launched": False}


def default_executor_id(role: str = "serve") -> str:
    return f"{socket.gethostname()}-{role}"


def _uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def system_database_url() -> str:
    """DBOS's system database: the same PostgreSQL as Django (DBOS keeps its own schema), else a SQLite file."""
    db = settings.DATABASES["default"]
    if _uses_postgres():
        url = sa.engine.URL.create(
            "postgresql+psycopg",
            username=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=int(db["PORT"]) if db.get("PORT") else None,
            database=db["NAME"],
        )
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{sqlite_system_database()}"


def sqlite_system_database() -> Path:
    """The file DBOS keeps its state in when Django is on SQLite."""
    return settings.DATA_DIR / "dbos.sqlite3"


def sqlite_module() -> Any:
    """The SQLite driver DBOS's schema needs: the standard one when new enough, else pysqlite3's newer SQLite."""
    if sqlite3.sqlite_version_info >= MIN_SQLITE_FOR_DBOS:
        return sqlite3
    try:
        from pysqlite3 import dbapi2  # type: ignore[import-untyped]
    except ImportError as error:
        raise RuntimeError(
            f"DBOS needs SQLite >= 3.42 and this Python has {sqlite3.sqlite_version}; install pysqlite3-binary "
            "or use PostgreSQL (DATABASE_URL)."
        ) from error
    return dbapi2


@cache
def system_database_engine() -> sa.Engine | None:
    """For SQLite, our own engine: a new enough SQLite, WAL, IMMEDIATE transactions and a busy timeout."""
    if _uses_postgres():
        return None
    engine = sa.create_engine(system_database_url(), module=sqlite_module(), poolclass=sa.pool.QueuePool)

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = "IMMEDIATE"
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        dbapi_connection.execute("PRAGMA busy_timeout=30000")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


@cache
def system_database_writer() -> sa.Engine:
    """An engine on the system database for enqueueing many workflows in one transaction."""
    return system_database_engine() or sa.create_engine(system_database_url(), pool_size=2, max_overflow=2)


def build_config(executor_id: str) -> DBOSConfig:
    config: DBOSConfig = {
        "name": APPLICATION_NAME,
        "system_database_url": system_database_url(),
        "application_version": APPLICATION_VERSION,
        "executor_id": executor_id,
        "max_executor_threads": settings.TIDINGS_MAX_EXECUTOR_THREADS,
        "scheduler_polling_interval_sec": 5.0,
        "log_level": settings.TIDINGS_DBOS_LOG_LEVEL,
        "run_migrations": True,
    }
    engine = system_database_engine()
    if engine is not None:
        config["system_database_engine"] = engine
    else:
        # A ping on every checkout is a round trip per operation; DBOS retries on connection errors anyway.
        config["db_engine_kwargs"] = {"pool_pre_ping": False, "pool_recycle": 300}
    return config


def launch(executor_id: str) -> None:
    """Launch DBOS in this process as `executor_id`: recover its unfinished work, start queues and schedules."""
    from tidings.jobs import queues, schedules, workflows  # noqa: F401 - registers the workflows

    if _state["launched"]:
        return
    DBOS(config=build_config(executor_id))
    DBOS.launch()
    queues.register_queues()
    schedules.apply_schedules()
    _state["launched"] = True
    logger.info("DBOS launched as executor %s", executor_id)


def shutdown(timeout_seconds: int = 10) -> None:
    """Stop DBOS if it runs here and close every system-database connection this process holds."""
    if _state["launched"]:
        DBOS.destroy(workflow_completion_timeout_sec=timeout_seconds)
        _state["launched"] = False
    if client.cache_info().currsize:
        client().destroy()
        client.cache_clear()
    if system_database_writer.cache_info().currsize:
        system_database_writer().dispose()
        system_database_writer.cache_clear()


def is_launched() -> bool:
    return bool(_state["launched"])


@cache
def client() -> DBOSClient:
    """For processes that do not execute work: enqueue, list, cancel and resume through the system database."""
    engine = system_database_engine()
    if engine is not None:
        return DBOSClient(system_database_url=system_database_url(), system_database_engine=engine)
    return DBOSClient(system_database_url=system_database_url())
