"""The dashboard reads the current state: what needs attention (each with its action), what goes out next, credits
this cycle and posts per day; a notification whose condition has cleared no longer shows there."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.services import adjust_credits
from tidings.notifications.models import Notification
from tidings.platforms.models import AccountStatus, Platform
from tidings.platforms.services import mark_reconnect_needed
from tidings.posts.models import PostTarget
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier
from tidings.tiers.services import TierLimitReached
from tidings.usage.models import DailyUsage, Metric
from tidings.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def items(page: str) -> list[tuple[str, str, str]]:
    """(kind, title, action address) of each attention item, in order."""
    found = re.findall(
        r'data-testid="attention-item" data-kind="([^"]+)">.*?<div class="fw-bold">(.*?)</div>.*?'
        r'<a href="([^"]+)" class="btn btn-sm w-100" data-testid="attention-action">',
        page,
        re.S,
    )
    return [(kind, title.replace("&amp;", "&"), url.replace("&amp;", "&")) for kind, title, url in found]


def dashboard(client: Client, user: User) -> str:
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def data(page: str, element_id: str) -> object:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_a_new_user_gets_the_checklist_and_after_it_is_put_away_the_dashboard_asks_to_connect(
    client: Client,
) -> None:
    dana = make_user("dana", Tier.FREE)
    page = dashboard(client, dana)
    assert 'data-testid="onboarding"' in page
    assert items(page) == []
    assert "the steps above get you started" in page
    assert "Nothing scheduled" in page
    client.post("/getting-started/dismiss/", {"next": "/dashboard/"})
    page = dashboard(client, dana)
    assert 'data-testid="onboarding"' not in page
    assert items(page) == [("connect", "Connect an account", "/connections/")]


def test_all_clear_when_nothing_needs_the_user(client: Client, bob: User) -> None:
    create_scheduled_post(bob, [create_account(bob)], text="On its way")
    page = dashboard(client, bob)
    assert items(page) == []
    assert 'data-testid="all-clear"' in page


def test_a_queue_at_two_of_five_is_not_full_whatever_the_notifications_say(client: Client) -> None:
    """The old dashboard showed every unread notification as a banner: "queue full" at 2 of 5."""
    alice = make_user("alice", Tier.FREE)
    account = create_account(alice)
    posts = [create_scheduled_post(alice, [account], days=day, text=f"Post {day}") for day in range(5)]
    with pytest.raises(TierLimitReached):
        create_scheduled_post(alice, [account], days=6, text="One too many")
    assert Notification.objects.filter(user=alice, read_at__isnull=True, type="tier_limit_reached").count() == 1
    full = dashboard(client, alice)
    assert ("queue", "Your queue is full: 5 of 5 scheduled posts", "/queue/?show=scheduled") in items(full)

    from tidings.posts.services import cancel_post

    for post in posts[2:]:
        cancel_post(owner(alice), post.pk)
    relaxed = dashboard(client, alice)
    assert [kind for kind, _, _ in items(relaxed)] == ["draft"]  # the refused post, kept with its reason
    assert "Plan limit reached" not in relaxed
    assert 'data-testid="meter-value">2 / 5<' in relaxed


def test_a_queue_from_four_of_five_is_nearly_full(client: Client) -> None:
    alice = make_user("alice", Tier.FREE)
    account = create_account(alice)
    for day in range(4):
        create_scheduled_post(alice, [account], days=day)
    assert items(dashboard(client, alice)) == [
        ("queue", "Your queue is nearly full: 4 of 5 scheduled posts", "/queue/?show=scheduled")
    ]


def test_an_account_to_reconnect_shows_until_it_is_reconnected(client: Client, bob: User) -> None:
    account = create_account(bob, Platform.MASTODON)
    mark_reconnect_needed(account.pk, reason="The server refused the saved sign-in.")
    assert items(dashboard(client, bob)) == [
        ("reconnect", "Reconnect Mastodon @bob1", f"/connections/#account-{account.pk}")
    ]
    account.status = AccountStatus.ACTIVE
    account.save(update_fields=["status"])
    assert items(dashboard(client, bob)) == []


def test_posts_that_did_not_go_out_lead_to_their_queue_entry(client: Client, bob: User) -> None:
    account = create_account(bob)
    failed, skipped, unconfirmed = (
        bring_to(create_scheduled_post(bob, [account], text=s).targets.get(), s)
        for s in ("failed", "skipped", "unconfirmed")
    )
    assert items(dashboard(client, bob)) == [
        (
            "unconfirmed",
            "Did your post to Mastodon @bob1 go out?",
            f"/queue/?post={unconfirmed.post_id}#target-{unconfirmed.pk}",
        ),
        ("failed", "Post to Mastodon @bob1 failed", f"/queue/?post={failed.post_id}#target-{failed.pk}"),
        (
            "skipped",
            "Post to Mastodon @bob1 was skipped",
            f"/queue/?post={skipped.post_id}#target-{skipped.pk}",
        ),
    ]


def test_old_failures_rest_in_the_queue_and_many_are_summed_up(client: Client, carol: User) -> None:
    account = create_account(carol)
    targets = [bring_to(create_scheduled_post(carol, [account]).targets.get(), "failed") for _ in range(5)]
    PostTarget.objects.filter(pk=targets[0].pk).update(updated_at=timezone.now() - timedelta(days=15))
    found = items(dashboard(client, carol))
    assert [kind for kind, _, _ in found] == ["failed", "failed", "failed", "more-problems"]
    assert found[-1] == ("more-problems", "1 more post to look at", "/queue/?show=problems")


def test_a_draft_kept_by_a_refusal_asks_to_be_scheduled(client: Client, alice: User) -> None:
    account = create_account(alice)
    post = create_post(owner(alice), text="Launch day!", account_ids=[account.pk])
    post.draft_reason = "Your queue of scheduled posts is full: 5 of 5 used on the Free plan."
    post.save(update_fields=["draft_reason"])
    create_post(owner(alice), text="A plain draft", account_ids=[account.pk])
    assert items(dashboard(client, alice)) == [("draft", "Kept as a draft: “Launch day!”", f"/posts/{post.pk}/edit/")]


def test_low_and_empty_credits(client: Client, alice: User) -> None:
    create_account(alice)
    adjust_credits(workspace_of(alice), amount=-8, reason="Test")
    page = dashboard(client, alice)
    assert items(page) == [("credits-low", "Credits are running low: 2 of 10 left", "/plan/#credits")]
    adjust_credits(workspace_of(alice), amount=-2, reason="Test")
    assert items(dashboard(client, alice)) == [("credits-empty", "No credits left", "/plan/#credits")]


def test_credits_about_to_expire(client: Client, bob: User) -> None:
    create_account(bob)
    Workspace.objects.filter(personal_owner=bob).update(next_credit_reset=timezone.now() + timedelta(days=2))
    on = renewal(bob)
    assert items(dashboard(client, bob)) == [
        ("credits-expiring", f"250 credits expire on {on}", "/compose/"),
        ("video_credits-expiring", f"15 video credits expire on {on}", "/compose/"),
    ]


def renewal(user: User) -> str:
    user.refresh_from_db()
    return f"{timezone.localtime(workspace_of(user).next_credit_reset, workspace_of(user).zone):%-d %B %Y}"


def test_an_unconfirmed_email_asks_for_the_link_instead_of_warning_about_credits(client: Client) -> None:
    erin = make_user("erin", Tier.FREE, email="erin@example.com", email_confirmed=False)
    create_account(erin)
    client.force_login(erin)
    client.post("/getting-started/dismiss/", {"next": "/dashboard/"})
    page = dashboard(client, erin)
    assert items(page) == [("confirm", "Confirm your email address", "/signup/confirm/")]
    assert "Your plan's credits arrive when you confirm your email address." in page


def test_what_goes_out_next_is_the_soonest_few(client: Client, carol: User) -> None:
    account = create_account(carol, Platform.BLUESKY)
    for day in (3, 1, 2, 9, 8, 7, 6):
        create_scheduled_post(carol, [account], days=day, text=f"In {day} days")
    page = dashboard(client, carol)
    shown = re.findall(r'<div class="text-truncate text-body">(.*?)</div>', page)
    assert shown == ["In 1 days", "In 2 days", "In 3 days", "In 6 days", "In 7 days", "In 8 days"]
    assert 'class="icon platform-bluesky' in page


def test_the_charts_carry_the_numbers(client: Client, bob: User) -> None:
    account = create_account(bob)
    held = create_scheduled_post(bob, [account], days=2)
    bring_to(create_scheduled_post(bob, [account], minutes=1).targets.get(), "published")
    bring_to(create_scheduled_post(bob, [account], minutes=2).targets.get(), "failed")
    page = dashboard(client, bob)
    assert data(page, "credit-chart-data") == [
        {"id": "credits", "used": 1, "reserved": 1, "available": 498},
        {"id": "video-credits", "used": 0, "reserved": 0, "available": 30},
    ]
    per_day = data(page, "posts-per-day-data")
    assert isinstance(per_day, dict)
    today = timezone.localdate(timezone=workspace_of(bob).zone)
    assert per_day["today"] == today.isoformat()
    assert len(per_day["days"]) == 21
    assert per_day["days"][13] == today.isoformat()
    published_today = DailyUsage.objects.get(workspace=workspace_of(bob), metric=Metric.POSTS).count
    assert published_today == 1
    expected_published = [0] * 21
    expected_published[13] = 1
    assert per_day["published"] == expected_published
    assert per_day["missed"][13] == 1
    scheduled_day = per_day["days"].index(
        timezone.localtime(held.scheduled_at, workspace_of(bob).zone).date().isoformat()
    )
    assert per_day["scheduled"][scheduled_day] == 1
    assert sum(per_day["scheduled"]) == 1
    assert (per_day["published_total"], per_day["scheduled_total"], per_day["missed_total"]) == (1, 1, 1)
    assert '<canvas id="posts-chart"' in page
    assert '<canvas id="credits-chart"' in page
    assert 'data-testid="credits-available">498</strong>' in page


def test_the_dashboard_costs_the_same_queries_for_many_posts_as_for_few(client: Client) -> None:
    few, many = make_user("few", Tier.BUSINESS), make_user("many", Tier.BUSINESS)
    for user, count in ((few, 2), (many, 30)):
        accounts = [create_account(user, platform) for platform in (Platform.MASTODON, Platform.BLUESKY)]
        for n in range(count):
            target = create_scheduled_post(user, accounts, days=n % 5, minutes=n + 1, text=f"Post {n}").targets
            for first in target.all()[:1]:
                if n % 3 == 0:
                    bring_to(first, "failed")
        mark_reconnect_needed(accounts[1].pk, reason="Sign in again.")
        create_post(owner(user), text="Kept", account_ids=[accounts[0].pk])

    def queries(user: User) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dashboard/").status_code == 200
        return len(captured)

    assert queries(many) == queries(few)
