"""The analytics API: exact shapes, the workspace's own objects only, the read scopes, a viewer reads."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.analytics.conftest import published
from tests.api.conftest import Api, error, token
from tests.conftest import create_account, make_user
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.analytics.models import MetricsSample, TargetMetrics
from tidings.api.services import create_token
from tidings.tiers.plans import Tier
from tidings.workspaces.roles import Role

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
NULLS = {"likes": None, "reposts": None, "replies": None, "quotes": None, "views": None, "clicks": None}


def counts(**given: int) -> dict[str, int | None]:
    return {**NULLS, **given}


@time_machine.travel(NOW, tick=False)
def test_a_posts_metrics_per_account_with_their_history(carol: User, carol_api: Api) -> None:
    account = create_account(carol)
    target = published(account, "1", at=NOW - timedelta(hours=5))
    MetricsSample.objects.create(target=target, fetched_at=NOW - timedelta(hours=4), likes=1)
    MetricsSample.objects.create(target=target, fetched_at=NOW - timedelta(hours=1), likes=4, reposts=2)
    TargetMetrics.objects.create(
        target=target, fetched_at=NOW - timedelta(hours=1), next_fetch_at=NOW, likes=4, reposts=2
    )

    response = carol_api.get(f"/posts/{target.post_id}/metrics")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "target_id": target.pk,
                "account_id": account.pk,
                "platform": "mastodon",
                "status": "published",
                "published_at": "2026-12-01T07:00:00Z",
                "counts": counts(likes=4, reposts=2),
                "engagement": 6,
                "fetched_at": "2026-12-01T11:00:00Z",
                "next_fetch_at": "2026-12-01T12:00:00Z",
                "unavailable_reason": "",
                "last_error": "",
                "history": [
                    {"fetched_at": "2026-12-01T08:00:00Z", "counts": counts(likes=1)},
                    {"fetched_at": "2026-12-01T11:00:00Z", "counts": counts(likes=4, reposts=2)},
                ],
            }
        ]
    }


@time_machine.travel(NOW, tick=False)
def test_an_accounts_totals_and_counts_per_day(carol: User, carol_api: Api) -> None:
    account = create_account(carol)
    for hours, likes in ((2, 3), (3, 4), (30, 10)):
        TargetMetrics.objects.create(
            target=published(account, str(hours), at=NOW - timedelta(hours=hours)), likes=likes
        )
    published(account, "unread", at=NOW - timedelta(hours=1))

    body = carol_api.get(f"/accounts/{account.pk}/metrics", {"days": 3}).json()

    assert body == {
        "account_id": account.pk,
        "platform": "mastodon",
        "days": 3,
        "published": 4,
        "totals": counts(likes=17),
        "series": [
            {"day": "2026-11-29", "posts": 0, "counts": NULLS},
            {"day": "2026-11-30", "posts": 1, "counts": counts(likes=10)},
            {"day": "2026-12-01", "posts": 3, "counts": counts(likes=7)},
        ],
        "unavailable_reasons": [],
    }


@time_machine.travel(NOW, tick=False)
def test_best_times_through_the_api(carol: User, carol_api: Api) -> None:
    account = create_account(carol)
    for day in range(10):
        target = published(account, str(day), at=datetime(2026, 11, 2 + day, 9, tzinfo=UTC))
        TargetMetrics.objects.create(target=target, likes=day)

    body = carol_api.get("/analytics/best-times", {"limit": 2, "account_id": account.pk}).json()

    # carol lives in UTC; 2 Nov 2026 is a Monday: Sunday 8 Nov had 6 likes, Wednesdays 4 and 11 Nov 2 and 9.
    assert body == {
        "suggestions": [
            {"weekday": 6, "hour": 9, "score": 6.0, "posts": 1},
            {"weekday": 2, "hour": 9, "score": 5.5, "posts": 2},
        ],
        "based_on": 10,
        "engagement": True,
        "reason": "",
    }
    assert carol_api.get("/analytics/best-times").json()["based_on"] == 10


def test_another_workspaces_post_or_account_is_not_found(carol: User, bob_api: Api) -> None:
    account = create_account(carol)
    target = published(account, "1")

    error(bob_api.get(f"/posts/{target.post_id}/metrics"), 404, "not_found")
    error(bob_api.get(f"/accounts/{account.pk}/metrics"), 404, "not_found")
    error(bob_api.get("/analytics/best-times", {"account_id": account.pk}), 404, "not_found")


def test_a_viewer_reads_and_a_token_needs_the_read_scope(carol: User) -> None:
    account = create_account(carol)
    target = published(account, "1")
    viewer = join(make_user("vera", Tier.FREE), workspace_of(carol), Role.VIEWER)
    api = Api(create_token(viewer, name="read", scopes=["posts:read", "accounts:read"])[1])

    assert api.get(f"/posts/{target.post_id}/metrics").json()["items"][0]["target_id"] == target.pk
    assert api.get(f"/accounts/{account.pk}/metrics").status_code == 200
    assert api.get("/analytics/best-times").json()["reason"].startswith("Fewer than 10")
    narrow = Api(token(carol, ["accounts:read"]))
    error(narrow.get(f"/posts/{target.post_id}/metrics"), 403, "forbidden")
    error(Api(token(carol, ["posts:read"])).get(f"/accounts/{account.pk}/metrics"), 403, "forbidden")


def test_the_operations_are_documented_with_their_schemas(carol_api: Api) -> None:
    schema = carol_api.get("/openapi.json").json()

    assert schema["paths"]["/api/v1/posts/{post_id}/metrics"]["get"]["security"] == [{"TokenAuth": ["posts:read"]}]
    assert schema["paths"]["/api/v1/accounts/{account_id}/metrics"]["get"]["security"] == [
        {"TokenAuth": ["accounts:read"]}
    ]
    assert "/api/v1/analytics/best-times" in schema["paths"]
    assert {"PostMetricsOut", "TargetMetricsOut", "AccountMetricsOut", "BestTimesOut", "CountsOut"} <= set(
        schema["components"]["schemas"]
    )
