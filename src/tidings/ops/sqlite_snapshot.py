"""Copies of live SQLite databases, all as of one instant, through SQLite's online backup API.

Tidings keeps two databases (Django's and DBOS's) and writes to both while it runs. Each copy alone would be
consistent, but two copies taken one after the other could pair a publish that DBOS finished with a post row that
has not heard of it. So the copies are pinned together: a write lock is taken on every database (Django's first,
the order the product itself takes them, so no writer can be waiting on us for the other), a read snapshot is opened
on each while nothing can commit, and the locks are let go at once; the page copies then run from those snapshots
while the server writes on (WAL lets readers and the writer pass). What is copied is what a crash at that instant
would have left, and recovering from a crash is what the product already does.
"""

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# How long to wait for a server's write transaction to finish before taking the lock (the server waits 20-30 s).
LOCK_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Copy:
    source: Path
    destination: Path
    driver: Any  # a DB-API sqlite module: the standard one, or pysqlite3 for DBOS's newer schema


class SnapshotFailed(Exception):
    pass


def copy_together(copies: list[Copy]) -> None:
    """Write each source's contents as of one shared instant to its destination, a new single-file database."""
    with ExitStack() as stack:
        readers = []
        with ExitStack() as locks:
            for copy in copies:
                writer = copy.driver.connect(str(copy.source), isolation_level=None, timeout=LOCK_TIMEOUT_SECONDS)
                locks.callback(writer.close)
                writer.execute("BEGIN IMMEDIATE")
                locks.callback(writer.execute, "ROLLBACK")
            for copy in copies:
                reader = copy.driver.connect(str(copy.source), isolation_level=None)
                stack.callback(reader.close)
                reader.execute("BEGIN")
                # The first read fixes the snapshot this transaction (and the backup run on it) sees.
                reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
                readers.append(reader)
        for copy, reader in zip(copies, readers, strict=True):
            target = copy.driver.connect(str(copy.destination))
            try:
                # One step (pages=-1) from the open read transaction: the copy is that snapshot, however long it takes.
                reader.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")
                verdict = target.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                target.close()
            if verdict != "ok":
                raise SnapshotFailed(f"The copy of {copy.source} does not pass SQLite's check: {verdict}")
