"""Real `tidings worker` processes for tests, pointed at the test database."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.db import connection


def worker_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "TIDINGS_DATA_DIR": str(settings.DATA_DIR),
        "TIDINGS_SECRET_KEY": settings.SECRET_KEY,
        "TIDINGS_ENCRYPTION_KEYS": ",".join(settings.TIDINGS_ENCRYPTION_KEYS),
        "TIDINGS_DISPATCH_EVERY_SECONDS": "1",
        "TIDINGS_PUBLISH_BACKOFF_SECONDS": "0.05",
        "TIDINGS_PUBLISH_TIMEOUT": "2",
        "TIDINGS_WORKER_CONCURRENCY": "20",
        # The fake platform listens on the loopback, which publishing refuses to call unless told otherwise.
        "TIDINGS_ALLOW_LOCAL_SERVERS": "1",
    }


class Worker:
    def __init__(self, executor_id: str) -> None:
        self.executor_id = executor_id
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """What runs; a test that needs another entry point (a worker with a fake platform in it) overrides it."""
        return [sys.executable, "-m", "tidings", "worker"]

    def env(self) -> dict[str, str]:
        return worker_env()

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [*self.command(), "--executor-id", self.executor_id],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
