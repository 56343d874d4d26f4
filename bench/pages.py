"""Server-side render time of every main page for a user with 1,000 posts, on the embedded SQLite default.

    python bench/pages.py            # prints a Markdown table (make bench)

Each page is fetched through Django's test client as the signed-in user (no network, no browser): the time is the
whole request through the middleware, views and templates. Beside each figure, its reference from the same run:
the same page for a user with 10 posts, so what grows with the data shows. The query count is per request.
"""

import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.pop("DATABASE_URL", None)
os.environ["TIDINGS_DATA_DIR"] = tempfile.mkdtemp(prefix="tidings-bench-pages-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidings.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from tidings.accounts.services import create_user  # noqa: E402
from tidings.platforms.models import Platform, SocialAccount  # noqa: E402
from tidings.platforms.services import connect_account  # noqa: E402
from tidings.posts.models import Post, PostTarget, TargetStatus  # noqa: E402
from tidings.posts.services import create_post, schedule_post  # noqa: E402
from tidings.tiers.plans import Tier  # noqa: E402

PAGES = [
    "/dashboard/",
    "/compose/",
    "/queue/",
    "/queue/?page=2",
    "/calendar/",
    "/calendar/events/?start={week_ago}&end={five_weeks}",
    "/automation/",
    "/connections/",
    "/plan/",
    "/settings/",
    "/notifications/",
    "/generate/",
]
RUNS = 20
PLATFORMS = [Platform.MASTODON, Platform.BLUESKY, Platform.LINKEDIN]


def fill(username: str, posts: int) -> Client:
    """A Business user with `posts` posts: a fifth scheduled (through the services, so credits are reserved as in
    use), half published, the rest failed, skipped or drafts; every post on one or two accounts."""
    user = create_user(username, password=secrets.token_urlsafe(), tier=Tier.BUSINESS, time_zone="Europe/Lisbon")
    accounts = [
        connect_account(
            user, platform=p, external_id=f"{username}-{p}", handle=f"@{username}-{p}", access_token=f"token-{p}"
        )
        for p in PLATFORMS
    ]
    now = timezone.now()
    scheduled = posts // 5
    for i in range(posts):
        chosen: list[SocialAccount] = [accounts[i % 3]] + ([accounts[(i + 1) % 3]] if i % 4 == 0 else [])
        post = create_post(
            user,
            text=f"Post {i}: a line of text long enough to look like a real one.",
            account_ids=[a.pk for a in chosen],
        )
        if i < scheduled:
            schedule_post(user, post.pk, at=now + timedelta(days=1 + i // 20, minutes=i))
    # History, written directly: a published or failed post is a row in its end state, whatever path led there.
    history = Post.objects.filter(user=user, targets__status=TargetStatus.DRAFT).distinct().order_by("pk")
    ids = list(history.values_list("pk", flat=True))
    ended = {
        TargetStatus.PUBLISHED: ids[: len(ids) * 5 // 8],
        TargetStatus.FAILED: ids[len(ids) * 5 // 8 : len(ids) * 6 // 8],
        TargetStatus.SKIPPED: ids[len(ids) * 6 // 8 : len(ids) * 7 // 8],
    }
    for status, post_ids in ended.items():
        for n, post_id in enumerate(post_ids):
            when = now - timedelta(days=1 + n // 20, minutes=n)
            Post.objects.filter(pk=post_id).update(scheduled_at=when)
            PostTarget.objects.filter(post_id=post_id).update(
                status=status,
                scheduled_at=when,
                published_at=when if status == TargetStatus.PUBLISHED else None,
                external_url=f"https://example.social/@{username}/{post_id}"
                if status == TargetStatus.PUBLISHED
                else "",
                error="" if status == TargetStatus.PUBLISHED else "The platform answered 422.",
            )
    client = Client()
    client.force_login(user)
    return client


def measure(client: Client, url: str) -> tuple[float, float, int, int]:
    """Median and p95 milliseconds over RUNS requests (after two warm-ups), the query count, the status code."""
    for _ in range(2):
        client.get(url)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(queries), response.status_code


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    big, small = fill("thousand", 1000), fill("ten", 10)
    print(
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {connection.Database.sqlite_version}; "
        f"command: `python bench/pages.py`; {time.strftime('%Y-%m-%d')}; {RUNS} requests per page.\n"
    )
    print("| page | 1,000 posts: median ms | p95 ms | queries | reference, 10 posts: median ms | queries | status |")
    print("|---|---|---|---|---|---|---|")
    today = timezone.localdate()
    dates = {"week_ago": today - timedelta(days=7), "five_weeks": today + timedelta(days=35)}
    for template in PAGES:
        url = template.format(**{k: v.isoformat() for k, v in dates.items()})
        median, p95, queries, status = measure(big, url)
        ref_median, _, ref_queries, _ = measure(small, url)
        print(f"| `{template}` | {median:.1f} | {p95:.1f} | {queries} | {ref_median:.1f} | {ref_queries} | {status} |")


if __name__ == "__main__":
    main()
