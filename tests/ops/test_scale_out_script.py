"""scripts/scale_out_check.py end to end: its own database, two workers and a web process, every post once."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.postgres
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "scale_out_check.py"


def admin_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"


def test_two_workers_and_a_web_process_publish_every_post_once() -> None:
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(SCRIPT), "--admin-url", admin_url(), "--posts", "12", "--timeout", "120"],
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: published 12 posts" in result.stdout
    assert "each received once" in result.stdout
    assert "dropped database tidings_scale_" in result.stdout
