"""The analytics pages and the CSV: exact numbers, counts a platform does not give said to be missing, the empty
state, and only the workspace's own accounts."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from tests.analytics.conftest import published
from tests.conftest import create_account, make_user
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.analytics.fetchers.webhook import WEBHOOK
from tidings.analytics.models import TargetMetrics
from tidings.platforms.models import Platform, SocialAccount
from tidings.posts.models import Post, PostTarget
from tidings.tiers.plans import Tier
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Role

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def with_text(target: PostTarget, text: str) -> PostTarget:
    Post.objects.filter(pk=target.post_id).update(text=text)
    return target


def read(target: PostTarget, **counts: int | None) -> TargetMetrics:
    return TargetMetrics.objects.create(target=target, fetched_at=NOW - timedelta(minutes=5), **counts)


def history(carol: User) -> tuple[SocialAccount, SocialAccount, list[PostTarget]]:
    Workspace.objects.filter(pk=workspace_of(carol).pk).update(time_zone="Europe/Lisbon")
    mastodon, hook = create_account(carol), create_account(carol, Platform.WEBHOOK)
    first = with_text(published(mastodon, "1", at=NOW - timedelta(days=2, hours=1)), "The first one")
    second = with_text(published(mastodon, "2", at=NOW - timedelta(days=1)), "=SUM(A1:A9) went viral")
    read(first, likes=3, reposts=1, replies=0)
    read(second, likes=20, reposts=4, replies=2, views=500)
    sent = with_text(published(hook, "3", at=NOW - timedelta(hours=3)), "To our own system")
    TargetMetrics.objects.create(target=sent, fetched_at=NOW, unavailable_reason=WEBHOOK)
    return mastodon, hook, [first, second, sent]


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_totals_top_posts_and_what_is_not_given(client: Client, carol: User) -> None:
    history(carol)

    response = signed_in(client, carol).get("/analytics/")

    assert response.status_code == 200
    html = response.content.decode()
    top = response.context["top"]
    assert [(t.external_id, e) for t, _, e in top] == [("2", 26), ("1", 4)]
    assert dict(response.context["totals"]) == {
        "Likes": 23,
        "Reposts": 5,
        "Replies": 2,
        "Quotes": None,
        "Views": 500,
        "Clicks": None,
    }
    assert response.context["series"].published == 3
    assert f"{WEBHOOK}" in html
    assert 'data-testid="analytics-unavailable"' in html
    assert "quotes (not given)" in html
    assert response.context["times"].reason.startswith("Fewer than 10 published posts")
    assert 'href="/analytics/"' in html  # the navigation's link, marked as the current section
    assert 'aria-current="page"' in html


def test_nothing_published_yet_shows_the_empty_state(client: Client, alice: User) -> None:
    create_account(alice)

    html = signed_in(client, alice).get("/analytics/").content.decode()

    assert "Nothing published yet" in html
    assert "analytics-chart" not in html
    assert "Download CSV" not in html


@time_machine.travel(NOW, tick=False)
def test_the_csv_has_every_published_post_exactly(client: Client, carol: User) -> None:
    mastodon, _, (first, second, sent) = history(carol)

    response = signed_in(client, carol).get("/analytics/export.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tidings-analytics-2026-12-01.csv"'
    read_at = "2026-12-01T11:55:00+00:00"
    assert response.content.decode().splitlines() == [
        "target_id,post_id,platform,account,published_at,url,likes,reposts,replies,quotes,views,clicks,"
        "engagement,read_at,unavailable_reason",
        f"{sent.pk},{sent.post_id},webhook,'@carol1,2026-12-01T09:00:00+00:00,,,,,,,,,2026-12-01T12:00:00+00:00,"
        f"{WEBHOOK}",
        f"{second.pk},{second.post_id},mastodon,'@carol1,2026-11-30T12:00:00+00:00,,20,4,2,,500,,26,{read_at},",
        f"{first.pk},{first.post_id},mastodon,'@carol1,2026-11-29T11:00:00+00:00,,3,1,0,,,,4,{read_at},",
    ]
    one = signed_in(client, carol).get(f"/analytics/accounts/{mastodon.pk}/export.csv")
    assert one["Content-Disposition"] == f'attachment; filename="tidings-analytics-{mastodon.pk}-2026-12-01.csv"'
    assert len(one.content.decode().splitlines()) == 3


@time_machine.travel(NOW, tick=False)
def test_an_account_page_counts_that_account_alone(client: Client, carol: User) -> None:
    mastodon, hook, _ = history(carol)

    response = signed_in(client, carol).get(f"/analytics/accounts/{mastodon.pk}/")

    assert response.status_code == 200
    assert response.context["series"].published == 2
    assert response.context["unavailable"] == []
    hook_page = signed_in(client, carol).get(f"/analytics/accounts/{hook.pk}/")
    assert hook_page.context["top"] == []
    assert 'data-testid="top-none"' in hook_page.content.decode()


def test_a_strangers_account_is_not_found_and_a_viewer_may_read(client: Client, carol: User, bob: User) -> None:
    mastodon, _, _ = history(carol)

    assert signed_in(client, bob).get(f"/analytics/accounts/{mastodon.pk}/").status_code == 404
    assert signed_in(client, bob).get(f"/analytics/accounts/{mastodon.pk}/export.csv").status_code == 404
    assert b"Nothing published yet" in signed_in(client, bob).get("/analytics/").content

    viewer = make_user("vera", Tier.FREE)
    join(viewer, workspace_of(carol), Role.VIEWER)
    client.force_login(viewer)
    session = client.session
    session["workspace_id"] = workspace_of(carol).pk
    session.save()
    assert client.get(f"/analytics/accounts/{mastodon.pk}/").status_code == 200
    assert len(client.get("/analytics/export.csv").content.decode().splitlines()) == 4
