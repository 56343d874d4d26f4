"""The pages in front of an unconfirmed target (went out, did not, check the platform), a target's calls to the
platform, its published link, and accounts over the plan on the connections page and in the composer."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.states import bring_to
from tests.support.unconfirmed import LookupConnector, available, reservation
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.credits.models import ReservationStatus
from tidings.platforms.base import Published
from tidings.platforms.models import Platform
from tidings.posts.models import AttemptOutcome, Post, PostTarget, PublishAttempt, TargetStatus
from tidings.tiers.checks import over_plan_reason
from tidings.tiers.plans import Tier
from tidings.workspaces.plan import change_tier

pytestmark = pytest.mark.django_db


def shown_messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def target_block(page: str, target: PostTarget) -> str:
    """The queue's markup for one target."""
    start = page.index(f'id="target-{target.pk}"')
    return page[start : page.index("\n</div>", start)]


def assert_unchanged(target: PostTarget) -> None:
    after = PostTarget.objects.get(pk=target.pk)
    assert (after.status, after.external_url, after.sending_since) == (
        TargetStatus.UNCONFIRMED,
        "",
        target.sending_since,
    )
    assert reservation(target) == ReservationStatus.PENDING


def test_an_unconfirmed_target_offers_to_mark_it_and_no_retry(
    client: Client, bob: User, unconfirmed: PostTarget
) -> None:
    client.force_login(bob)
    block = target_block(client.get("/queue/").content.decode(), unconfirmed)

    assert (
        '<span class="badge bg-yellow-lt status-unconfirmed" data-testid="target-status">Sent, outcome unknown</span>'
        in block
    )
    assert f'action="/queue/targets/{unconfirmed.pk}/went-out/"' in block
    assert 'name="url"' in block
    assert "It went out</button>" in block
    assert f'action="/queue/targets/{unconfirmed.pk}/did-not-go-out/"' in block
    assert "It did not go out</button>" in block
    assert block.count('name="csrfmiddlewaretoken"') == 2
    assert "Retry</button>" not in block
    assert "/retry/" not in block
    # Webhooks cannot be asked about an earlier send.
    assert "Check the platform" not in block


def test_check_the_platform_is_offered_where_the_platform_can_be_asked(
    client: Client, bob: User, unconfirmed: PostTarget, askable: type[LookupConnector]
) -> None:
    client.force_login(bob)
    block = target_block(client.get("/queue/").content.decode(), unconfirmed)
    assert f'action="/queue/targets/{unconfirmed.pk}/check/"' in block
    assert "Check the platform</button>" in block


def test_it_did_not_go_out_returns_the_credit_and_offers_retry(
    client: Client, bob: User, unconfirmed: PostTarget
) -> None:
    client.force_login(bob)
    assert available(bob) == 499

    response = client.post(f"/queue/targets/{unconfirmed.pk}/did-not-go-out/", {"next": "/queue/?show=problems"})

    assert response.status_code == 302
    assert response["Location"] == "/queue/?show=problems"
    target = PostTarget.objects.get(pk=unconfirmed.pk)
    assert (target.status, target.sending_since) == (TargetStatus.FAILED, None)
    assert reservation(target) == ReservationStatus.RELEASED
    assert available(bob) == 500
    page = client.get("/queue/")
    assert shown_messages(page) == ["Marked as not published; its credit is back. Retry it when you like."]
    block = target_block(page.content.decode(), target)
    assert "Retry</button>" in block
    assert "It went out" not in block


def test_it_went_out_with_its_address_shows_the_link(client: Client, bob: User, unconfirmed: PostTarget) -> None:
    client.force_login(bob)

    client.post(f"/queue/targets/{unconfirmed.pk}/went-out/", {"url": "https://hooks.example/posts/7"})

    target = PostTarget.objects.get(pk=unconfirmed.pk)
    assert (target.status, target.external_url) == (TargetStatus.PUBLISHED, "https://hooks.example/posts/7")
    assert reservation(target) == ReservationStatus.CONSUMED
    assert available(bob) == 499
    page = client.get("/queue/")
    assert shown_messages(page) == ["Marked as published on Webhook; its credit is spent."]
    block = target_block(page.content.decode(), target)
    assert (
        '<a href="https://hooks.example/posts/7" rel="noopener noreferrer" class="text-decoration-underline" '
        'data-testid="target-link">View the post</a>' in block
    )
    assert "It did not go out" not in block


def test_an_address_that_is_not_a_web_address_is_refused_and_nothing_changes(
    client: Client, bob: User, unconfirmed: PostTarget
) -> None:
    client.force_login(bob)
    response = client.post(f"/queue/targets/{unconfirmed.pk}/went-out/", {"url": "javascript:alert(1)"}, follow=True)
    assert shown_messages(response) == ["The post's address must start with https:// or http://."]
    assert_unchanged(unconfirmed)
    assert available(bob) == 499


def test_another_users_target_is_not_found_and_nothing_changes(
    client: Client, alice: User, unconfirmed: PostTarget, askable: type[LookupConnector]
) -> None:
    client.force_login(alice)
    for action in ("went-out", "did-not-go-out", "check"):
        response = client.post(f"/queue/targets/{unconfirmed.pk}/{action}/", {"url": ""})
        assert response.status_code == 404
        assert "No such post target." in response.content.decode()
    assert_unchanged(unconfirmed)
    assert PublishAttempt.objects.count() == 0


def test_a_target_that_is_not_unconfirmed_is_refused_and_nothing_changes(client: Client, bob: User) -> None:
    target = create_scheduled_post(bob, [create_account(bob, Platform.WEBHOOK)]).targets.get()
    client.force_login(bob)
    for action in ("went-out", "did-not-go-out"):
        response = client.post(f"/queue/targets/{target.pk}/{action}/", follow=True)
        assert shown_messages(response) == [
            "Only a post whose outcome is unknown can be marked; this one is Scheduled."
        ]
    response = client.post(f"/queue/targets/{target.pk}/check/", follow=True)
    assert shown_messages(response) == ["Only a post whose outcome is unknown can be checked; this one is Scheduled."]
    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.SCHEDULED
    assert reservation(target) == ReservationStatus.PENDING


def test_checking_a_published_target_is_refused_and_asks_nothing(
    client: Client, bob: User, askable: type[LookupConnector]
) -> None:
    target = bring_to(create_scheduled_post(bob, [create_account(bob, Platform.WEBHOOK)]).targets.get(), "published")
    client.force_login(bob)
    response = client.post(f"/queue/targets/{target.pk}/check/", follow=True)
    assert shown_messages(response) == ["Only a post whose outcome is unknown can be checked; this one is Published."]
    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.PUBLISHED
    assert reservation(target) == ReservationStatus.CONSUMED
    assert PublishAttempt.objects.count() == 0


def test_a_redirect_goes_only_to_a_page_of_this_site(client: Client, bob: User, unconfirmed: PostTarget) -> None:
    client.force_login(bob)
    response = client.post(f"/queue/targets/{unconfirmed.pk}/did-not-go-out/", {"next": "https://evil.example/"})
    assert response["Location"] == "/queue/"


@pytest.mark.parametrize(
    ("found", "status", "reserved", "message"),
    [
        (
            Published("found-9", "https://hooks.example/found-9"),
            TargetStatus.PUBLISHED,
            ReservationStatus.CONSUMED,
            "Webhook has it: marked as published, and its credit is spent.",
        ),
        (
            None,
            TargetStatus.FAILED,
            ReservationStatus.RELEASED,
            "Webhook does not have it: it did not go out, and its credit is back. Retry it when you like.",
        ),
    ],
)
def test_checking_the_platform_settles_it(
    client: Client,
    bob: User,
    unconfirmed: PostTarget,
    askable: type[LookupConnector],
    found: Published | None,
    status: TargetStatus,
    reserved: str,
    message: str,
) -> None:
    askable.lookups = [found]
    client.force_login(bob)
    response = client.post(f"/queue/targets/{unconfirmed.pk}/check/", follow=True)
    assert shown_messages(response) == [message]
    target = PostTarget.objects.get(pk=unconfirmed.pk)
    assert target.status == status
    assert reservation(target) == reserved
    assert askable.sends == 0


def test_a_platform_that_cannot_tell_leaves_it_unconfirmed(client: Client, bob: User, unconfirmed: PostTarget) -> None:
    client.force_login(bob)
    response = client.post(f"/queue/targets/{unconfirmed.pk}/check/", follow=True)
    assert shown_messages(response) == ["Webhook could not tell us. Look at the account and mark whether it went out."]
    assert_unchanged(unconfirmed)


def test_the_calls_to_the_platform_are_listed_in_the_users_time_zone_with_the_year(client: Client) -> None:
    dana = make_user("dana", Tier.PRO, time_zone="Asia/Tokyo")
    target = create_scheduled_post(dana, [create_account(dana, Platform.WEBHOOK)]).targets.get()
    bring_to(target, TargetStatus.UNCONFIRMED, reason="No answer came.")
    PublishAttempt.objects.create(
        target=target,
        number=1,
        started_at=datetime(2025, 12, 31, 23, 30, 5, tzinfo=UTC),
        duration_ms=30012,
        outcome=AttemptOutcome.UNKNOWN,
        detail="The request timed out.",
    )
    PublishAttempt.objects.create(
        target=target,
        number=1,
        started_at=datetime(2026, 1, 1, 0, 10, tzinfo=UTC),
        duration_ms=412,
        outcome=AttemptOutcome.TRANSIENT,
        detail="503 <b>busy</b>",
    )
    client.force_login(dana)
    block = target_block(client.get("/queue/").content.decode(), target)

    assert "<summary>2 calls to the platform</summary>" in block
    assert "<th>When (Asia/Tokyo)</th>" in block
    rows = re.findall(r'<tr data-testid="attempt">(.*?)</tr>', block)
    assert rows == [
        "<td>1 Jan 2026, 08:30:05</td><td>1</td><td>No answer</td><td>The request timed out.</td><td>30012 ms</td>",
        "<td>1 Jan 2026, 09:10:00</td><td>1</td><td>Temporary error</td><td>503 &lt;b&gt;busy&lt;/b&gt;</td>"
        "<td>412 ms</td>",
    ]


def test_a_link_that_is_not_a_web_address_is_never_rendered(client: Client, bob: User) -> None:
    target = create_scheduled_post(bob, [create_account(bob, Platform.WEBHOOK)]).targets.get()
    bring_to(target, TargetStatus.PUBLISHED)
    # A stored answer from before the product checked the scheme.
    PostTarget.objects.filter(pk=target.pk).update(external_url="javascript:alert(1)")
    client.force_login(bob)
    page = client.get("/queue/").content.decode()
    assert "javascript:" not in page
    assert 'data-testid="target-link"' not in page
    assert '<span class="badge bg-green-lt status-published" data-testid="target-status">Published</span>' in page


def test_the_dashboard_sends_an_unconfirmed_target_to_the_queue(
    client: Client, bob: User, unconfirmed: PostTarget
) -> None:
    client.force_login(bob)
    page = client.get("/dashboard/").content.decode()
    entry = f"/queue/?post={unconfirmed.post_id}#target-{unconfirmed.pk}"
    assert (
        f'<a href="{entry}" class="btn btn-sm w-100" data-testid="attention-action">Say whether it went out</a>' in page
    )


@pytest.fixture
def downgraded(bob: User) -> tuple[User, list]:
    """Bob connected three Mastodon accounts on Pro, then moved to Free, which includes one."""
    accounts = [create_account(bob, Platform.MASTODON, n) for n in (1, 2, 3)]
    change_tier(workspace_of(bob), tier=Tier.FREE)
    return bob, accounts


def test_accounts_over_the_plan_are_marked_on_the_connections_page(client: Client, downgraded: tuple) -> None:
    user, accounts = downgraded
    client.force_login(user)
    page = client.get("/connections/").content.decode()
    reason = over_plan_reason(workspace_of(user), Platform.MASTODON)
    assert reason == (
        "This account is over your plan: the Free plan includes 1 Mastodon account. "
        "Disconnect another or upgrade to use it."
    )
    rows = {
        account.pk: re.search(rf'data-testid="account-{account.pk}"[^>]*>(.*?)</article>', page, re.S)
        for account in accounts
    }
    first, *others = (row.group(1) if row else "" for row in rows.values())
    assert "Over your plan" not in first
    for row in others:
        assert '<strong class="over-plan" data-testid="over-plan">Over your plan</strong>' in row
        assert f'<div class="small">{reason}</div>' in row


def test_the_composer_does_not_let_an_account_over_the_plan_be_chosen(client: Client, downgraded: tuple) -> None:
    user, accounts = downgraded
    client.force_login(user)
    page = client.get("/compose/").content.decode()
    for account in accounts[1:]:
        checkbox = re.search(rf'<input type="checkbox" name="accounts" value="{account.pk}"[^>]*>', page)
        assert checkbox is not None
        assert "disabled" in checkbox.group(0)
        assert f"{account} (over your plan)" in page
        reason = over_plan_reason(workspace_of(user), Platform.MASTODON)
        assert (
            f'<p class="small text-secondary mt-1 mb-0 over-plan" data-testid="over-plan">{account}: {reason}</p>'
            in page
        )
    first = re.search(rf'<input type="checkbox" name="accounts" value="{accounts[0].pk}"[^>]*>', page)
    assert first is not None
    assert "disabled" not in first.group(0)

    response = client.post("/compose/", {"text": "Hello", "accounts": [accounts[2].pk], "action": "draft"})

    assert response.status_code == 200
    assert "Mastodon @bob3 is over your plan; choose another account." in response.content.decode()
    assert not Post.objects.filter(workspace=workspace_of(user)).exists()
