"""The connect services: plan checks first, the OAuth state, tokens encrypted at rest, refreshes and the sweep."""

from datetime import timedelta

import httpx
import pytest
import respx
from django.db import connection
from django.utils import timezone

from tests.conftest import create_account
from tests.platforms.atproto import DID, PDS, jwt, session, xrpc
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.encryption import decrypt
from tidings.core.errors import ConnectFailed, InvalidInput, OAuthStateMismatch, PlatformUnavailable
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms import connect, renewal
from tidings.platforms.models import AccountStatus, MastodonApp, Platform, SocialAccount
from tidings.platforms.services import connect_account, mark_reconnect_needed
from tidings.tiers.services import TierLimitReached

pytestmark = pytest.mark.django_db
BASE = "https://mastodon.example"
ME = {"id": "109", "username": "alice", "display_name": "Alice"}


def raw_column(account_id: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM platforms_socialaccount WHERE id = %s", [account_id])  # noqa: S608
        return cursor.fetchone()[0]


def mastodon_app() -> None:
    MastodonApp.objects.create(
        instance=BASE,
        client_id="cid",
        client_secret="csecret",
        redirect_uri="http://127.0.0.1:8000/connections/mastodon/callback/",
        scopes="read:accounts read:statuses write:statuses write:media",
    )


def bluesky_account(user: User, n: int, *, expires_in: timedelta | None, refresh: str = "rt") -> SocialAccount:
    return connect_account(
        owner(user),
        platform=Platform.BLUESKY,
        external_id=f"did:plc:{user.username}{n}",
        handle=f"{user.username}{n}.bsky.social",
        access_token=f"at-{n}",
        refresh_token=f"{refresh}-{n}" if refresh else "",
        token_expires_at=timezone.now() + expires_in if expires_in is not None else None,
        base_url=PDS,
    )


# --- starting and finishing an OAuth sign-in ----------------------------------------------------------------


@respx.mock
def test_start_connect_returns_the_authorization_request(alice: User) -> None:
    mastodon_app()
    request = connect.start_connect(owner(alice), platform="mastodon", instance=" mastodon.example ")
    assert request.url.startswith(f"{BASE}/oauth/authorize?")
    entry = connect.session_entry(request)
    assert entry["state"] == request.state
    assert entry["instance"] == BASE
    assert entry["code_verifier"]


@pytest.mark.respx(assert_all_called=False)
def test_start_connect_over_the_plan_limit_is_refused_before_asking_the_platform(
    alice: User, respx_mock: respx.MockRouter
) -> None:
    create_account(alice, Platform.MASTODON)
    apps = respx_mock.post(f"{BASE}/api/v1/apps")
    with pytest.raises(TierLimitReached) as raised:
        connect.start_connect(owner(alice), platform="mastodon", instance="mastodon.example")
    assert raised.value.details["limit"] == 1
    assert raised.value.details["used"] == 1
    assert not apps.called
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1


@respx.mock
def test_an_account_that_needs_reconnecting_may_start_again_at_the_limit(alice: User) -> None:
    mastodon_app()
    account = create_account(alice, Platform.MASTODON)
    mark_reconnect_needed(account.pk, reason="revoked")
    assert connect.start_connect(owner(alice), platform="mastodon", instance=BASE).state


def test_start_connect_refuses_unavailable_platforms_and_credential_platforms(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tidings.platforms import registry

    monkeypatch.setattr(registry, "CONNECTORS", {k: v for k, v in registry.CONNECTORS.items() if k != "linkedin"})
    with pytest.raises(PlatformUnavailable):
        connect.start_connect(owner(alice), platform="linkedin")
    with pytest.raises(PlatformUnavailable):
        connect.start_connect(owner(alice), platform="myspace")
    with pytest.raises(InvalidInput, match="credentials"):
        connect.start_connect(owner(alice), platform="bluesky")


@pytest.mark.parametrize("session_data", [None, {}, {"state": "expected", "instance": BASE}])
@pytest.mark.respx(assert_all_called=False)
def test_a_callback_with_the_wrong_state_connects_nothing(
    alice: User, session_data: dict | None, respx_mock: respx.MockRouter
) -> None:
    mastodon_app()
    token = respx_mock.post(f"{BASE}/oauth/token")
    with pytest.raises(OAuthStateMismatch):
        connect.finish_connect(owner(alice), platform="mastodon", code="c", state="forged", session_data=session_data)
    assert not token.called
    assert not SocialAccount.objects.exists()


@respx.mock
def test_the_code_exchange_stores_the_account_with_its_token_encrypted(alice: User) -> None:
    mastodon_app()
    respx.post(f"{BASE}/oauth/token").respond(200, json={"access_token": "secret-token", "scope": "read:accounts"})
    respx.get(f"{BASE}/api/v1/accounts/verify_credentials").respond(200, json=ME)
    limits = {"statuses": {"max_characters": 1000, "max_media_attachments": 4, "characters_reserved_per_url": 23}}
    respx.get(f"{BASE}/api/v2/instance").respond(200, json={"domain": "mastodon.example", "configuration": limits})
    account = connect.finish_connect(
        owner(alice),
        platform="mastodon",
        code="c",
        state="s" * 40,
        session_data={"state": "s" * 40, "instance": BASE, "code_verifier": "v" * 64},
    )
    assert (account.workspace, account.platform, account.handle) == (
        workspace_of(alice),
        "mastodon",
        "@alice@mastodon.example",
    )
    # The server's limits are kept with the account at connect, for validation without a request.
    kept = SocialAccount.objects.get(pk=account.pk).options["instance"]
    assert {key: kept[key] for key in kept if key != "fetched_at"} == limits["statuses"]
    assert SocialAccount.objects.get(pk=account.pk).access_token == "secret-token"
    stored = raw_column(account.pk, "access_token")
    assert "secret-token" not in stored
    assert decrypt(stored) == "secret-token"


@respx.mock
def test_a_refused_code_is_a_connect_failure_and_stores_nothing(alice: User) -> None:
    mastodon_app()
    respx.post(f"{BASE}/oauth/token").respond(400, json={"error": "invalid_grant", "error_description": "Used"})
    with pytest.raises(ConnectFailed, match="Used"):
        connect.finish_connect(
            owner(alice), platform="mastodon", code="c", state="s", session_data={"state": "s", "instance": BASE}
        )
    assert not SocialAccount.objects.exists()


# --- credentials ---------------------------------------------------------------------------------------------


@respx.mock
def test_bluesky_connects_with_an_app_password_and_keeps_both_tokens_encrypted(bob: User) -> None:
    answer = session()
    respx.post("https://bsky.social/xrpc/com.atproto.server.createSession").respond(200, json=answer)
    account = connect.connect_with_credentials(
        owner(bob),
        platform="bluesky",
        fields={"identifier": "alice.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"},
    )
    assert (account.external_id, account.base_url) == (DID, PDS)
    assert account.token_expires_at is not None
    for column, value in (("access_token", answer["accessJwt"]), ("refresh_token", answer["refreshJwt"])):
        stored = raw_column(account.pk, column)
        assert stored != value
        assert decrypt(stored) == value


@respx.mock
def test_a_refused_app_password_stores_nothing(bob: User) -> None:
    respx.post("https://bsky.social/xrpc/com.atproto.server.createSession").respond(
        401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
    )
    with pytest.raises(ConnectFailed):
        connect.connect_with_credentials(
            owner(bob), platform="bluesky", fields={"identifier": "a", "app_password": "b"}
        )
    assert not SocialAccount.objects.exists()


def test_a_webhook_connects_with_its_url_and_secret(bob: User) -> None:
    account = connect.connect_with_credentials(
        owner(bob),
        platform="webhook",
        fields={"url": "https://hooks.example/in", "secret": "x" * 20, "name": "My hook"},
    )
    assert (account.handle, account.base_url, account.access_token) == ("My hook", "https://hooks.example/in", "x" * 20)
    with pytest.raises(InvalidInput):
        connect.connect_with_credentials(owner(bob), platform="mastodon", fields={})


# --- refreshing ---------------------------------------------------------------------------------------------


@respx.mock
def test_a_refresh_stores_the_new_tokens(alice: User) -> None:
    account = bluesky_account(alice, 1, expires_in=timedelta(minutes=5))
    fresh = session(access=jwt(nonce="new"), refresh=jwt(scope="com.atproto.refresh", nonce="new-r"))
    respx.post(xrpc("com.atproto.server.refreshSession")).respond(200, json=fresh)
    assert renewal.refresh_account(account.pk) == "refreshed"
    account.refresh_from_db()
    assert (account.access_token, account.refresh_token) == (fresh["accessJwt"], fresh["refreshJwt"])
    assert account.token_expires_at > timezone.now() + timedelta(hours=1)
    assert decrypt(raw_column(account.pk, "refresh_token")) == fresh["refreshJwt"]


@respx.mock
def test_a_refused_refresh_marks_the_account_and_notifies_once_a_day(alice: User) -> None:
    account = bluesky_account(alice, 1, expires_in=timedelta(minutes=5))
    respx.post(xrpc("com.atproto.server.refreshSession")).respond(
        400, json={"error": "ExpiredToken", "message": "Token has expired"}
    )
    assert renewal.refresh_account(account.pk) == "reconnect_needed"
    account.refresh_from_db()
    assert account.status == AccountStatus.RECONNECT_NEEDED
    assert "reconnect" in account.status_reason.lower()
    # Not active any more: the next sweep leaves it alone; reactivated and refused again the same day, still one.
    assert renewal.refresh_account(account.pk) == "skipped"
    SocialAccount.objects.filter(pk=account.pk).update(status=AccountStatus.ACTIVE)
    assert renewal.refresh_account(account.pk) == "reconnect_needed"
    notes = Notification.objects.filter(user=alice, type=NotificationType.ACCOUNT_RECONNECT)
    assert notes.count() == 1
    assert notes.get().data == {"account_id": account.pk, "platform": "bluesky"}


@respx.mock
def test_a_transient_refresh_failure_changes_nothing(alice: User) -> None:
    account = bluesky_account(alice, 1, expires_in=timedelta(minutes=5))
    respx.post(xrpc("com.atproto.server.refreshSession")).respond(503, json={"error": "Unavailable"})
    assert renewal.refresh_account(account.pk) == "failed"
    account.refresh_from_db()
    assert (account.status, account.access_token) == (AccountStatus.ACTIVE, "at-1")
    assert not Notification.objects.exists()


@respx.mock
def test_the_sweep_refreshes_only_active_accounts_whose_tokens_expire_soon(alice: User, carol: User) -> None:
    soon = bluesky_account(carol, 1, expires_in=timedelta(minutes=10))
    expired = bluesky_account(carol, 2, expires_in=timedelta(minutes=-5))
    later = bluesky_account(carol, 3, expires_in=timedelta(hours=2))
    no_refresh = bluesky_account(carol, 4, expires_in=timedelta(minutes=10), refresh="")
    no_expiry = bluesky_account(carol, 5, expires_in=None)
    flagged = bluesky_account(carol, 6, expires_in=timedelta(minutes=10))
    mark_reconnect_needed(flagged.pk, reason="revoked")
    mastodon = create_account(alice, Platform.MASTODON)

    def refresh(request: httpx.Request) -> httpx.Response:
        n = request.headers["Authorization"].rsplit("-", 1)[-1]
        return httpx.Response(200, json=session(access=jwt(nonce=n), refresh=f"rt-{n}-new"))

    route = respx.post(xrpc("com.atproto.server.refreshSession")).mock(side_effect=refresh)
    counts = renewal.refresh_expiring_tokens(now=timezone.now(), within=timedelta(minutes=30))
    assert counts == {"refreshed": 2, "reconnect_needed": 0, "failed": 0, "skipped": 0}
    assert sorted(call.request.headers["Authorization"] for call in route.calls) == ["Bearer rt-1", "Bearer rt-2"]
    for account in (soon, expired):
        account.refresh_from_db()
        assert account.refresh_token.endswith("-new")
    for account in (later, no_refresh, no_expiry, flagged, mastodon):
        before = account.access_token
        account.refresh_from_db()
        assert account.access_token == before
