"""The connections page: cards per account with their state, "Connect" disabled at the plan's limit with the reason,
disconnecting that says which scheduled posts it touches (and does exactly what it says to them), and a webhook's
signed test sent through the same client and address guard as its posts."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post
from tests.support.fake_platform import FakePlatform
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.selectors import balance_summary
from tidings.notifications.models import Notification
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.platforms.services import connect_account, mark_reconnect_needed, send_webhook_test
from tidings.posts import publishing
from tidings.posts.models import PostTarget, TargetStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePlatform]:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")  # the fake listens on the loopback
    platform = FakePlatform().start()
    yield platform
    platform.stop()


def webhook(user: User, url: str, secret: str = FakePlatform.secret) -> SocialAccount:
    return connect_account(
        owner(user),
        platform=Platform.WEBHOOK,
        external_id=f"hook-{user.username}",
        handle="My hook",
        access_token=secret,
        base_url=url,
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card(page: str, account: SocialAccount) -> str:
    return page.split(f'data-testid="account-{account.pk}"')[1].split("</article>")[0]


def test_each_account_shows_its_state_and_how_to_reconnect(bob: User) -> None:
    active, broken = create_account(bob, Platform.MASTODON, 1), create_account(bob, Platform.MASTODON, 2)
    SocialAccount.objects.filter(pk=broken.pk).update(base_url="https://mastodon.example")
    mark_reconnect_needed(broken.pk, reason="The server revoked the token.")
    create_scheduled_post(bob, [active], days=1)
    page = logged_in(bob).get("/connections/").content.decode()
    assert 'data-testid="account-state">Active<' in card(page, active)
    assert 'data-testid="account-waiting">1<' in card(page, active)
    broken_card = card(page, broken)
    assert 'data-testid="account-state">Reconnect needed<' in broken_card
    assert "The server revoked the token." in broken_card
    assert 'action="/connections/mastodon/start/"' in broken_card
    assert '<input type="hidden" name="instance" value="mastodon.example">' in broken_card
    # Two of three Mastodon accounts on Pro: there is room for one more.
    mastodon = page.split('data-testid="platform-mastodon"')[1].split('data-testid="platform-')[0]
    assert "2 of 3 accounts on your plan" in mastodon
    assert "Connect Mastodon</button>" in mastodon


def test_the_disconnect_dialog_lists_the_posts_it_affects(bob: User) -> None:
    account = create_account(bob, Platform.MASTODON)
    for day in range(1, 8):
        create_scheduled_post(bob, [account], text=f"Post of day {day}", days=day)
    other = create_account(bob, Platform.BLUESKY)
    page = logged_in(bob).get("/connections/").content.decode()
    dialog = page.split(f'id="disconnect-{account.pk}"')[1].split('<div class="modal-footer">')[0]
    assert "<strong>7 scheduled posts</strong> go to this account." in dialog
    assert (
        "They stay in your queue holding their credits until their time; then each is skipped and the credit "
        "returned, unless you connect this same account again before then." in dialog
    )
    assert [f"Post of day {day}" in dialog for day in range(1, 8)] == [True] * 5 + [False] * 2
    assert "and 2 more, in the" in dialog
    quiet = page.split(f'id="disconnect-{other.pk}"')[1].split('<div class="modal-footer">')[0]
    assert "No scheduled posts go to this account." in quiet


def test_disconnecting_does_to_the_posts_what_the_dialog_says(bob: User) -> None:
    """They stay scheduled with their credits held; at their time each is skipped and its credit returned."""
    account = create_account(bob, Platform.MASTODON)
    post = create_scheduled_post(bob, [account], days=1)
    target = post.targets.get()
    client = logged_in(bob)
    response = client.post(f"/connections/accounts/{account.pk}/disconnect/", follow=True)
    assert (
        "Disconnected Mastodon @bob1. Its scheduled post stays in the queue until its time, then is skipped with "
        "its credit returned, unless you connect the account again before then." in response.content.decode()
    )
    target.refresh_from_db()
    assert target.status == TargetStatus.SCHEDULED
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.PENDING
    assert balance_summary(workspace_of(bob)).available == 499

    later = timezone.now() + timedelta(days=1, minutes=2)
    PostTarget.objects.filter(pk=target.pk).update(scheduled_at=later - timedelta(minutes=1))
    assert [row[0] for row in publishing.claim_due_targets(now=later)] == [target.pk]
    begin = publishing.begin_publish(target.pk, now=later)
    assert (begin.action, begin.reason) == (
        "skip",
        "Mastodon @bob1 cannot be used: Disconnected. Reconnect it, then retry this post.",
    )
    assert publishing.end_target(target.pk, status=TargetStatus.SKIPPED, reason=begin.reason) == "skipped"
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.RELEASED
    bob.refresh_from_db()
    assert (workspace_of(bob).credits, balance_summary(workspace_of(bob)).available) == (500, 500)
    assert Notification.objects.filter(user=bob, type="post_skipped").count() == 1


def test_reconnecting_before_their_time_lets_the_posts_go_out(bob: User) -> None:
    account = create_account(bob, Platform.MASTODON)
    target = create_scheduled_post(bob, [account], days=1).targets.get()
    logged_in(bob).post(f"/connections/accounts/{account.pk}/disconnect/")
    create_account(bob, Platform.MASTODON)  # the same account, signed in again
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    later = timezone.now() + timedelta(days=1, minutes=2)
    PostTarget.objects.filter(pk=target.pk).update(scheduled_at=later - timedelta(minutes=1))
    assert [row[0] for row in publishing.claim_due_targets(now=later)] == [target.pk]
    assert publishing.begin_publish(target.pk, now=later).action == "publish"


def test_at_the_limit_connect_is_disabled_and_says_why(alice: User) -> None:
    create_account(alice, Platform.MASTODON)
    page = logged_in(alice).get("/connections/").content.decode()
    mastodon = page.split('data-testid="platform-mastodon"')[1].split('data-testid="platform-')[0]
    assert '<button type="button" class="btn btn-sm w-100" disabled aria-describedby="limit-mastodon">' in mastodon
    assert "Connected Mastodon accounts are at the limit" in mastodon
    assert "<form" not in mastodon


def test_a_webhook_test_is_a_signed_post_marked_as_a_test(bob: User, fake: FakePlatform, settings) -> None:
    settings.TIDINGS_ALLOW_HTTP_WEBHOOKS = True
    account = webhook(bob, fake.url)
    result = send_webhook_test(owner(bob), account.pk)
    assert result.ok
    assert result.message.startswith("The webhook answered 200 in ")
    assert result.message.endswith(" ms: it is ready for posts.")
    [received] = fake.posts.values()
    assert received.signature_ok
    assert received.body["test"] is True
    assert received.key.startswith("test-")
    assert received.body["account"] == {"id": "hook-bob", "handle": "My hook"}
    # Nothing was published or charged.
    assert not PostTarget.objects.exists()
    assert not CreditReservation.objects.filter(workspace=workspace_of(bob)).exists()


def test_the_test_button_shows_the_answer_in_the_card(bob: User, fake: FakePlatform, settings) -> None:
    settings.TIDINGS_ALLOW_HTTP_WEBHOOKS = True
    account = webhook(bob, fake.url, secret="the-wrong-secret-entirely")
    client = logged_in(bob)
    assert 'data-testid="send-test"' in card(client.get("/connections/").content.decode(), account)
    response = client.post(f"/connections/accounts/{account.pk}/test/", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert 'data-ok="false"' in page
    assert "The webhook answered 401: it did not accept the signature." in page
    # Without script: the answer comes back as a message on the page.
    followed = client.post(f"/connections/accounts/{account.pk}/test/", follow=True).content.decode()
    assert "The webhook answered 401: it did not accept the signature." in followed


def test_a_test_to_this_machine_is_refused_by_the_address_guard(
    bob: User, fake: FakePlatform, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TIDINGS_ALLOW_HTTP_WEBHOOKS = True
    account = webhook(bob, fake.url)
    monkeypatch.delenv("TIDINGS_ALLOW_LOCAL_SERVERS")
    result = send_webhook_test(owner(bob), account.pk)
    assert not result.ok
    assert result.message == (
        "The webhook's address is not allowed: 127.0.0.1 is on this machine or a private network, which this "
        "server does not call."
    )
    assert fake.posts == {}


def test_only_ones_own_webhooks_can_be_tested(alice: User, bob: User) -> None:
    theirs = create_account(bob, Platform.WEBHOOK)
    mine = create_account(alice, Platform.MASTODON)
    client = logged_in(alice)
    assert client.post(f"/connections/accounts/{theirs.pk}/test/").status_code == 404
    refused = client.post(f"/connections/accounts/{mine.pk}/test/", HTTP_HX_REQUEST="true").content.decode()
    assert "Only webhook accounts can be sent a test." in refused
    assert Client().post(f"/connections/accounts/{mine.pk}/test/")["Location"].startswith("/login/")


def test_disconnected_accounts_are_listed_as_such(bob: User) -> None:
    account = create_account(bob, Platform.MASTODON)
    client = logged_in(bob)
    client.post(f"/connections/accounts/{account.pk}/disconnect/")
    page = client.get("/connections/").content.decode()
    listed = page.split(f'data-testid="account-{account.pk}"')[1].split("</li>")[0]
    assert 'data-testid="account-state">Disconnected<' in listed
    assert f'id="disconnect-{account.pk}"' not in page


def test_the_operator_sees_the_settings_a_platform_needs(alice: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIDINGS_X_CLIENT_ID", raising=False)
    User.objects.filter(pk=alice.pk).update(is_staff=True)
    page = logged_in(alice).get("/ops/").content.decode()
    table = page.split('data-testid="unavailable-platforms"')[1].split("</table>")[0]
    assert (
        "<tr><td>X</td><td>Set TIDINGS_X_CLIENT_ID and TIDINGS_X_CLIENT_SECRET (an app registered with X).</td></tr>"
        in table
    )
