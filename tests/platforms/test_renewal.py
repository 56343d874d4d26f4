"""Accounts stay connected: refreshes well ahead of expiry (Threads included), a token found expired or refused at
publish time renewed before anything else, warnings before a token that cannot be renewed runs out, and a
reconnect that keeps the account's row and its refresh token."""

import json
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from django.utils import timezone

from tests.conftest import create_scheduled_post
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms import renewal
from tidings.platforms.connectors.threads import ThreadsConnector
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.posts.models import PostTarget
from tidings.posts.publishing import begin_publish, claim_due_targets, send_target
from tidings.workspaces.models import Workspace

pytestmark = pytest.mark.django_db

X_TOKEN = "https://api.x.com/2/oauth2/token"
X_TWEETS = "https://api.x.com/2/tweets"
THREADS_REFRESH = "https://graph.threads.net/refresh_access_token"


@pytest.fixture(autouse=True)
def _apps(monkeypatch: pytest.MonkeyPatch) -> None:
    for platform in ("X", "THREADS", "LINKEDIN"):
        monkeypatch.setenv(f"TIDINGS_{platform}_CLIENT_ID", f"{platform.lower()}-client")
        monkeypatch.setenv(f"TIDINGS_{platform}_CLIENT_SECRET", f"{platform.lower()}-secret")


def x_account(user: User, *, expires_in: timedelta, n: int = 1, refresh: str = "rt-1") -> SocialAccount:
    return connect_account(
        owner(user),
        platform=Platform.X,
        external_id=f"x-{n}",
        handle=f"@x{n}",
        access_token=f"at-{n}",
        refresh_token=refresh,
        token_expires_at=timezone.now() + expires_in,
    )


def threads_account(user: User, *, expires_in: timedelta, n: int = 1) -> SocialAccount:
    # As Threads stores it: a long-lived token and no refresh token.
    return connect_account(
        owner(user),
        platform=Platform.THREADS,
        external_id=f"th-{n}",
        handle=f"@th{n}",
        access_token=f"th-long-{n}",
        token_expires_at=timezone.now() + expires_in,
    )


def x_token_answer(n: str) -> dict[str, object]:
    # https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token (step 5 and "Refresh token")
    return {
        "token_type": "bearer",
        "expires_in": 7200,
        "access_token": f"at-{n}",
        "scope": "tweet.read tweet.write users.read offline.access media.write",
        "refresh_token": f"rt-{n}",
    }


# --- the sweep ----------------------------------------------------------------------------------------------


@respx.mock
def test_threads_tokens_are_refreshed_a_week_ahead_without_a_refresh_token(alice: User, carol: User) -> None:
    due = threads_account(carol, expires_in=timedelta(days=6), n=1)
    later = threads_account(carol, expires_in=timedelta(days=30), n=2)
    # "Refresh a long-lived token" in https://developers.facebook.com/docs/threads/get-started/long-lived-tokens
    route = respx.get(THREADS_REFRESH).respond(
        json={"access_token": "th-long-1b", "token_type": "bearer", "expires_in": 5183944}
    )
    assert renewal.expiring_account_ids(now=timezone.now()) == [due.pk]
    counts = renewal.refresh_expiring_tokens(now=timezone.now())
    assert counts == {"refreshed": 1, "reconnect_needed": 0, "failed": 0, "skipped": 0}
    assert dict(route.calls.last.request.url.params) == {"grant_type": "th_refresh_token", "access_token": "th-long-1"}
    due.refresh_from_db()
    assert due.access_token == "th-long-1b"
    assert due.refresh_token == ""
    assert due.token_expires_at is not None
    assert abs((due.token_expires_at - timezone.now()) - timedelta(seconds=5183944)) < timedelta(seconds=5)
    later.refresh_from_db()
    assert later.access_token == "th-long-2"


@respx.mock
def test_an_expired_threads_token_needs_reconnect_and_meta_is_not_asked(carol: User) -> None:
    expired = threads_account(carol, expires_in=timedelta(minutes=-1))
    route = respx.get(THREADS_REFRESH).respond(json={"access_token": "never"})
    assert renewal.refresh_account(expired.pk) == "reconnect_needed"
    assert not route.called
    expired.refresh_from_db()
    assert (expired.status, expired.status_reason) == (
        AccountStatus.RECONNECT_NEEDED,
        "The Threads sign-in expired and cannot be renewed; reconnect it.",
    )


def test_a_threads_token_less_than_a_day_old_cannot_be_refreshed_yet(carol: User) -> None:
    now = timezone.now()
    # Meta: "can be refreshed as long as they are at least 24 hours old but have not expired".
    fresh = threads_account(carol, expires_in=timedelta(days=60) - timedelta(hours=23), n=1)
    day_old = threads_account(carol, expires_in=timedelta(days=60) - timedelta(hours=25), n=2)
    threads = ThreadsConnector()
    assert (threads.can_refresh(fresh, now=now), threads.can_refresh(day_old, now=now)) == (False, True)


@respx.mock
def test_each_platform_is_refreshed_within_its_own_lead(alice: User, carol: User) -> None:
    """X tokens last two hours and are refreshed in their second hour; Bluesky's in their last half hour."""
    x_soon = x_account(carol, expires_in=timedelta(minutes=50), n=1)
    x_later = x_account(carol, expires_in=timedelta(minutes=90), n=2)
    bluesky = connect_account(
        owner(alice),
        platform=Platform.BLUESKY,
        external_id="did:plc:alice",
        handle="alice.bsky.social",
        access_token="jwt",
        refresh_token="refresh-jwt",
        token_expires_at=timezone.now() + timedelta(minutes=50),
        base_url="https://pds.example",
    )
    assert renewal.expiring_account_ids(now=timezone.now()) == [x_soon.pk]
    assert x_later.pk not in renewal.expiring_account_ids(now=timezone.now())
    assert bluesky.pk not in renewal.expiring_account_ids(now=timezone.now())


@respx.mock
def test_a_refresh_that_fails_for_a_passing_reason_keeps_the_account_connected(carol: User) -> None:
    account = x_account(carol, expires_in=timedelta(minutes=-5))
    respx.post(X_TOKEN).respond(503, json={"title": "Service Unavailable"})
    assert renewal.refresh_account(account.pk) == "failed"
    account.refresh_from_db()
    assert (account.status, account.access_token, account.refresh_token) == (AccountStatus.ACTIVE, "at-1", "rt-1")
    assert not Notification.objects.filter(user=carol).exists()


# --- at publish time ----------------------------------------------------------------------------------------


def publishing(user: User, account: SocialAccount) -> tuple[int, object, object]:
    post = create_scheduled_post(user, [account], minutes=1)
    later = timezone.now() + timedelta(minutes=2)
    claimed = claim_due_targets(now=later)
    target_id = claimed[0][0]
    assert PostTarget.objects.get(pk=target_id).post_id == post.pk
    begin = begin_publish(target_id, now=later)
    assert begin.action == "publish"
    return target_id, begin.target, begin.content


@respx.mock
def test_an_expired_token_is_renewed_before_the_post_goes_out(bob: User) -> None:
    account = x_account(bob, expires_in=timedelta(minutes=-1))
    token = respx.post(X_TOKEN).respond(json=x_token_answer("2"))
    tweets = respx.post(X_TWEETS).respond(201, json={"data": {"id": "1445880548472328192", "text": "Hello"}})
    target_id, target, content = publishing(bob, account)

    outcome = send_target(target_id, first=True, target=target, content=content)  # type: ignore[arg-type]

    assert (outcome.kind, outcome.external_id) == ("published", "1445880548472328192")
    assert parse_qs(token.calls.last.request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["rt-1"],
    }
    assert tweets.call_count == 1
    assert tweets.calls.last.request.headers["Authorization"] == "Bearer at-2"
    account.refresh_from_db()
    assert (account.status, account.access_token, account.refresh_token) == (AccountStatus.ACTIVE, "at-2", "rt-2")


@respx.mock
def test_a_401_at_publish_time_renews_the_token_and_sends_once_more(bob: User) -> None:
    account = x_account(bob, expires_in=timedelta(hours=1))
    respx.post(X_TOKEN).respond(json=x_token_answer("2"))

    def tweet(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer at-1":
            # https://docs.x.com/x-api/fundamentals/response-codes-and-errors: 401, an "Unauthorized" problem
            return httpx.Response(
                401, json={"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
            )
        return httpx.Response(201, json={"data": {"id": "77", "text": json.loads(request.content)["text"]}})

    tweets = respx.post(X_TWEETS).mock(side_effect=tweet)
    target_id, target, content = publishing(bob, account)

    outcome = send_target(target_id, first=True, target=target, content=content)  # type: ignore[arg-type]

    assert (outcome.kind, outcome.external_id) == ("published", "77")
    assert [call.request.headers["Authorization"] for call in tweets.calls] == ["Bearer at-1", "Bearer at-2"]
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE


@respx.mock
def test_only_a_refused_renewal_marks_the_account_for_reconnect(bob: User) -> None:
    account = x_account(bob, expires_in=timedelta(hours=1))
    # RFC 6749 section 5.2: a revoked grant is `invalid_grant`.
    respx.post(X_TOKEN).respond(400, json={"error": "invalid_grant", "error_description": "Value passed was revoked"})
    tweets = respx.post(X_TWEETS).respond(401, json={"title": "Unauthorized", "status": 401, "detail": "Unauthorized"})
    target_id, target, content = publishing(bob, account)

    outcome = send_target(target_id, first=True, target=target, content=content)  # type: ignore[arg-type]

    assert outcome.kind == "auth"
    assert outcome.message == (
        "api.x.com no longer accepts this account's sign-in (invalid_grant: Value passed was revoked); reconnect it."
    )
    assert tweets.call_count == 1
    account.refresh_from_db()
    assert (account.status, account.refresh_token) == (AccountStatus.RECONNECT_NEEDED, "rt-1")
    notes = list(Notification.objects.filter(user=bob).values_list("type", "title"))
    assert notes == [(NotificationType.ACCOUNT_RECONNECT, "Reconnect X @x1")]


@respx.mock
def test_a_renewal_that_cannot_be_done_now_is_retried_later_and_the_account_stays(bob: User) -> None:
    account = x_account(bob, expires_in=timedelta(hours=1))
    respx.post(X_TOKEN).respond(503, json={"title": "Service Unavailable"})
    respx.post(X_TWEETS).respond(401, json={"title": "Unauthorized", "status": 401, "detail": "Unauthorized"})
    target_id, target, content = publishing(bob, account)

    outcome = send_target(target_id, first=True, target=target, content=content)  # type: ignore[arg-type]

    assert outcome.kind == "transient"
    assert outcome.message == (
        "The sign-in of X @x1 could not be renewed just now: api.x.com had a problem (503); try again in a moment."
    )
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE


@respx.mock
def test_a_token_renewed_by_another_refresh_meanwhile_is_used_as_it_is(bob: User) -> None:
    account = x_account(bob, expires_in=timedelta(hours=1))
    token = respx.post(X_TOKEN).respond(json=x_token_answer("3"))
    stale = SocialAccount.objects.get(pk=account.pk)
    SocialAccount.objects.filter(pk=account.pk).update(access_token="at-2", refresh_token="rt-2")
    renewed = renewal.renew_for_publish(stale, stale_token="at-1")
    assert (renewed.access_token, renewed.refresh_token) == ("at-2", "rt-2")
    assert not token.called


# --- tokens that cannot be renewed --------------------------------------------------------------------------


def linkedin_account(user: User, *, expires_in: timedelta, refresh: str = "", n: int = 1) -> SocialAccount:
    return connect_account(
        owner(user),
        platform=Platform.LINKEDIN,
        external_id=f"li-{n}",
        handle=f"Carol {n}",
        access_token=f"li-at-{n}",
        refresh_token=refresh,
        token_expires_at=timezone.now() + expires_in,
    )


def test_a_token_that_cannot_be_renewed_warns_a_week_and_a_day_before(carol: User) -> None:
    Workspace.objects.filter(pk=workspace_of(carol).pk).update(time_zone="Africa/Johannesburg")
    now = timezone.now()
    account = linkedin_account(carol, expires_in=timedelta(days=6, hours=12))
    linkedin_account(carol, expires_in=timedelta(days=6), refresh="li-rt", n=2)  # renewable: no warning
    linkedin_account(carol, expires_in=timedelta(days=20), n=3)  # not yet

    assert renewal.warn_expiring_tokens(now=now) == 1
    assert renewal.warn_expiring_tokens(now=now + timedelta(hours=1)) == 0
    assert renewal.warn_expiring_tokens(now=now + timedelta(days=5, hours=13)) == 1
    assert renewal.warn_expiring_tokens(now=now + timedelta(days=6)) == 0

    notes = Notification.objects.filter(user=carol).order_by("pk")
    assert [(n.type, n.title) for n in notes] == [
        (NotificationType.ACCOUNT_RECONNECT, "Reconnect LinkedIn Carol 1 within 7 days"),
        (NotificationType.ACCOUNT_RECONNECT, "Reconnect LinkedIn Carol 1 within a day"),
    ]
    assert account.token_expires_at is not None
    local = timezone.localtime(account.token_expires_at, timezone.get_fixed_timezone(120))
    assert notes[0].message == (
        f"The sign-in of LinkedIn Carol 1 ends on {local:%A %d %B %Y at %H:%M} (Africa/Johannesburg), and LinkedIn "
        "does not let Tidings renew it. Reconnect the account on the Connections page before then: it keeps its "
        "posts and history, and posts due after that time are skipped until you do."
    )
    assert notes[0].data == {
        "account_id": account.pk,
        "platform": "linkedin",
        "expires_at": account.token_expires_at.isoformat(),
    }


def test_reconnecting_keeps_the_row_and_a_refresh_token_the_platform_did_not_replace(carol: User) -> None:
    first = linkedin_account(carol, expires_in=timedelta(days=1), refresh="li-rt")
    SocialAccount.objects.filter(pk=first.pk).update(status=AccountStatus.RECONNECT_NEEDED, status_reason="401")
    again = linkedin_account(carol, expires_in=timedelta(days=60))
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.status, again.access_token, again.refresh_token) == (AccountStatus.ACTIVE, "li-at-1", "li-rt")
    replaced = linkedin_account(carol, expires_in=timedelta(days=60), refresh="li-rt-new")
    replaced.refresh_from_db()
    assert (replaced.pk, replaced.refresh_token) == (first.pk, "li-rt-new")
    assert SocialAccount.objects.filter(workspace=workspace_of(carol)).count() == 1


@respx.mock
def test_request_addresses_that_carry_tokens_are_not_logged(carol: User, caplog: pytest.LogCaptureFixture) -> None:
    """Meta's APIs take the access token in the query string, and httpx logs each request's address at INFO."""
    import logging

    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    account = threads_account(carol, expires_in=timedelta(days=3))
    respx.get(THREADS_REFRESH).respond(json={"access_token": "th-long-new", "expires_in": 5183944})
    with caplog.at_level(logging.INFO, logger="tidings"):
        assert renewal.refresh_account(account.pk) == "refreshed"
    assert [r.getMessage() for r in caplog.records if r.name == "tidings.tokens"] == [
        f"tokens.refresh account={account.pk} platform=threads trigger=sweep outcome=refreshed"
    ]
    assert not any("th-long" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_two_publishes_renewing_one_account_at_once_spend_its_refresh_token_once(bob: User) -> None:
    """X rotates refresh tokens: the second of two racing refreshes would be refused and force a reconnect, so
    one waits for the other and uses the tokens it stored (a row lock on PostgreSQL, a lock in the process on
    SQLite)."""
    import threading

    from django.db import connection

    account = x_account(bob, expires_in=timedelta(hours=1))
    spent: list[str] = []

    def token(request: httpx.Request) -> httpx.Response:
        refresh = parse_qs(request.content.decode())["refresh_token"][0]
        spent.append(refresh)
        if refresh != "rt-1":
            return httpx.Response(
                400, json={"error": "invalid_request", "error_description": "Value passed was revoked"}
            )
        threading.Event().wait(0.3)  # the platform takes its time: the other publish arrives meanwhile
        return httpx.Response(200, json=x_token_answer("2"))

    results: list[tuple[str, str]] = []

    def renew() -> None:
        try:
            stale = SocialAccount.objects.get(pk=account.pk)
            renewed = renewal.renew_for_publish(stale, stale_token="at-1")
            results.append((renewed.access_token, renewed.refresh_token))
        finally:
            connection.close()

    with respx.mock:
        respx.post(X_TOKEN).mock(side_effect=token)
        threads = [threading.Thread(target=renew) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)

    assert spent == ["rt-1"]
    assert results == [("at-2", "rt-2"), ("at-2", "rt-2")]
    account.refresh_from_db()
    assert (account.status, account.access_token, account.refresh_token) == (AccountStatus.ACTIVE, "at-2", "rt-2")
