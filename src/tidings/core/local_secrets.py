"""Secrets for a single-box install that nobody configured: made once, kept in the data directory.

Production sets `TIDINGS_SECRET_KEY` and `TIDINGS_ENCRYPTION_KEYS`; a fresh `make run` should still start with
secrets of its own rather than a well-known default.
"""

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

# The files this module (and `tidings seed-demo`) writes, with the variable that replaces each one when set: a backup
# archives a file unless its variable is set.
FILES = {
    "secret_key": "TIDINGS_SECRET_KEY",
    "encryption_keys": "TIDINGS_ENCRYPTION_KEYS",
    "demo_password": "TIDINGS_DEMO_PASSWORD",
}
# Paths this process created: a restore may replace secrets made by its own start-up, never ones found there.
created_here: set[Path] = set()


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # O_EXCL: when two processes start at once, the first file wins and both read it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    created_here.add(path.resolve())
    return value


def secret_key(data_dir: Path) -> str:
    return read_or_create(data_dir / "secret_key", lambda: secrets.token_urlsafe(50))


def encryption_keys(data_dir: Path) -> list[str]:
    raw = read_or_create(data_dir / "encryption_keys", lambda: Fernet.generate_key().decode())
    return [key.strip() for key in raw.split(",") if key.strip()]
