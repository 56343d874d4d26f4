"""Refresh `docs/screenshots/` from the browser tests: run them, then copy the main pages' shots.

    .venv/bin/python scripts/screenshots.py

The browser tests save a full-page PNG at each step they check (`tests.support.browser.shoot`); this keeps the
README and the docs showing the app as it is, not as someone once drew it.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "screenshots"
# shot name in the tests -> file name in the docs
MAIN = {
    "dashboard-attention": "dashboard.png",
    "dashboard-attention-dark": "dashboard-dark.png",
    "dashboard-phone": "dashboard-phone.png",
    "compose-per-network": "composer.png",
    "compose-phone": "composer-phone.png",
    "queue-problems": "queue.png",
    "queue-phone": "queue-phone.png",
    "calendar-month": "calendar.png",
    "calendar-phone": "calendar-phone.png",
    "connections-webhook-test": "connections.png",
    "plan-desktop": "plan.png",
    "automation": "automation.png",
    "settings-phone-dark": "settings-phone-dark.png",
    "notifications-page": "notifications.png",
    "notifications-menu": "notifications-menu.png",
    "onboarding": "onboarding.png",
    "composer-thread": "composer-thread.png",
    "composer-thread-phone": "composer-thread-phone.png",
    "compose-tiktok-options": "composer-tiktok-options.png",
    "connect-pick": "connect-pick.png",
    "connect-pick-phone-dark": "connect-pick-phone-dark.png",
    "members": "members.png",
    "queue-approval": "queue-approval.png",
    "queue-awaiting-approval-phone": "queue-awaiting-approval-phone.png",
    "review-link-phone": "review-link-phone.png",
    "workspace-settings": "workspace-settings.png",
    "analytics-desktop": "analytics.png",
    "analytics-phone": "analytics-phone.png",
    "posting-schedule-1280": "posting-schedule.png",
    "composer-next-slot-390": "composer-next-slot-phone.png",
    "slot-queue-1280": "slot-queue.png",
    "repeat-phone": "repeat-phone.png",
    "import-preview": "import-preview.png",
    "library": "library.png",
    "composer-link-tagging": "composer-link-tagging.png",
    "webhooks": "webhooks.png",
    "automation-feed-phone": "automation-feed-phone.png",
}


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="tidings-screenshots-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"TIDINGS_DATA_DIR": str(data_dir)}
    tests = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "web").glob("test_browser*.py"))
    subprocess.run(  # noqa: S603 - our own interpreter and test paths
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests], cwd=ROOT, env=env, check=True
    )
    shots = data_dir / "screenshots"
    DOCS.mkdir(parents=True, exist_ok=True)
    missing = []
    for shot, name in MAIN.items():
        source = shots / f"{shot}.png"
        if source.exists():
            shutil.copyfile(source, DOCS / name)
        else:
            missing.append(shot)
    if missing:
        raise SystemExit(f"no screenshot named {', '.join(missing)}; the browser tests no longer take it")
    print(f"{len(MAIN)} screenshots in {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
