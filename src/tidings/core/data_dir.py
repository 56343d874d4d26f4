"""Who is using the data directory: `tidings serve` and `tidings worker` hold a shared lock on `tidings.lock` in it
for as long as they run, and a restore takes it exclusively.

A kernel lock (flock) rather than a pid file: it goes away with its process however that process ends (kill -9
included), so there is no stale file to clean up and no pid that another program may have reused.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tidings.core.errors import DomainError

LOCK_NAME = "tidings.lock"
_held: dict[Path, int] = {}


class DataDirInUse(DomainError):
    code = "data_dir_in_use"


def _open(data_dir: Path) -> int:
    data_dir.mkdir(parents=True, exist_ok=True)
    return os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)


def hold_shared(data_dir: Path) -> None:
    """Mark the data dir in use by this process until it exits; refused while a restore holds it."""
    if data_dir in _held:
        return
    fd = _open(data_dir)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DataDirInUse(f"A restore into {data_dir} is under way; start Tidings when it has finished.") from None
    _held[data_dir] = fd


@contextmanager
def exclusive(data_dir: Path) -> Iterator[None]:
    """Hold the data dir alone (no server or worker may run on it meanwhile), or refuse at once."""
    fd = _open(data_dir)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataDirInUse(
                f"{data_dir} is in use: a `tidings serve` or `tidings worker` holds {data_dir / LOCK_NAME}. "
                "Stop it first."
            ) from None
        yield
    finally:
        os.close(fd)
