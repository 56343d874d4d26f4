"""The connections pages, through Django's test client: login, CSRF, scoping to the user, the OAuth round trip."""

from urllib.parse import parse_qs, urlsplit

import pytest
import respx
from django.test import Client

from tests.conftest import create_account
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.platforms import registry
from tidings.platforms.models import AccountStatus, MastodonApp, Platform, SocialAccount
from tidings.platforms.services import mark_reconnect_needed

pytestmark = pytest.mark.django_db
BASE = "https://mastodon.example"


@pytest.fixture
def no_linkedin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "CONNECTORS", {k: v for k, v in registry.CONNECTORS.items() if k != "linkedin"})


def logged_in(user: User, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/connections/"),
        ("post", "/connections/mastodon/start/"),
        ("get", "/connections/mastodon/callback/?code=c&state=s"),
        ("get", "/connections/webhook/credentials/"),
        ("post", "/connections/accounts/1/disconnect/"),
    ],
)
def test_every_page_needs_a_login(client: Client, method: str, path: str) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def tile(page: str, platform: str) -> str:
    """The platform's tile on the connections page, up to the next tile."""
    return page.split(f'data-testid="platform-{platform}"')[1].split('data-testid="platform-')[0]


def test_the_page_shows_platforms_their_availability_and_the_plan_limit(alice: User, no_linkedin: None) -> None:
    create_account(alice, Platform.MASTODON)
    page = logged_in(alice).get("/connections/").content.decode()
    linkedin = tile(page, "linkedin")
    assert "LinkedIn is not supported on this server yet." in linkedin
    assert "<button" not in linkedin
    assert "<a " not in linkedin
    mastodon = tile(page, "mastodon")
    assert "1 of 1 accounts" in mastodon
    # At the limit: Connect is there but disabled, and the tile says why.
    assert "Connected Mastodon accounts are at the limit" in mastodon
    assert '<button type="button" class="btn btn-sm w-100" disabled' in mastodon
    assert "/connections/mastodon/start/" not in mastodon
    bluesky = tile(page, "bluesky")
    assert "0 of 1 accounts" in bluesky
    assert "/connections/bluesky/credentials/" in bluesky


def test_an_unconfigured_platform_tells_users_whom_to_ask_not_which_setting(alice: User, monkeypatch) -> None:
    monkeypatch.delenv("TIDINGS_X_CLIENT_ID", raising=False)
    page = logged_in(alice).get("/connections/").content.decode()
    assert "X is not available on this server yet; ask the person who runs it." in tile(page, "x")
    assert "TIDINGS_" not in page


def test_the_page_lists_only_the_users_accounts_and_escapes_the_reason(alice: User, bob: User) -> None:
    mine = create_account(alice, Platform.MASTODON)
    mark_reconnect_needed(mine.pk, reason="<script>alert(1)</script> revoked")
    create_account(bob, Platform.MASTODON)
    page = logged_in(alice).get("/connections/").content.decode()
    assert "@alice1" in page
    assert "@bob1" not in page
    assert "Reconnect needed" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; revoked" in page


def test_disconnecting_someone_elses_account_is_not_found(alice: User, bob: User) -> None:
    theirs = create_account(bob, Platform.MASTODON)
    response = logged_in(alice).post(f"/connections/accounts/{theirs.pk}/disconnect/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AccountStatus.ACTIVE
    assert theirs.access_token


def test_disconnecting_needs_a_post_with_a_csrf_token(alice: User) -> None:
    mine = create_account(alice, Platform.MASTODON)
    client = logged_in(alice, csrf=True)
    assert client.get(f"/connections/accounts/{mine.pk}/disconnect/").status_code == 405
    assert client.post(f"/connections/accounts/{mine.pk}/disconnect/").status_code == 403
    page = client.get("/connections/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(f"/connections/accounts/{mine.pk}/disconnect/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == "/connections/"
    mine.refresh_from_db()
    assert (mine.status, mine.access_token) == (AccountStatus.DISCONNECTED, "")


@respx.mock
def test_the_oauth_round_trip_connects_the_account_once(alice: User) -> None:
    apps = respx.post(f"{BASE}/api/v1/apps").respond(200, json={"client_id": "cid", "client_secret": "cs"})
    token = respx.post(f"{BASE}/oauth/token").respond(200, json={"access_token": "tok"})
    respx.get(f"{BASE}/api/v1/accounts/verify_credentials").respond(200, json={"id": "7", "username": "alice"})
    # A server that states no limits (an old one): Mastodon's defaults apply.
    respx.get(f"{BASE}/api/v2/instance").respond(404)
    respx.get(f"{BASE}/api/v1/instance").respond(200, json={"uri": "mastodon.example"})
    client = logged_in(alice)
    response = client.post("/connections/mastodon/start/", {"instance": "mastodon.example"})
    assert response.status_code == 302
    assert apps.called
    location = response["Location"]
    assert location.startswith(f"{BASE}/oauth/authorize?")
    state = parse_qs(urlsplit(location).query)["state"][0]
    assert client.session["tidings.connect.mastodon"]["state"] == state
    callback = f"/connections/mastodon/callback/?code=the-code&state={state}"
    response = client.get(callback)
    assert response.status_code == 302
    assert response["Location"] == "/connections/"
    verifier = parse_qs(token.calls.last.request.content.decode())["code_verifier"][0]
    assert len(verifier) >= 43
    account = SocialAccount.objects.get(workspace=workspace_of(alice))
    assert (account.handle, account.access_token) == ("@alice@mastodon.example", "tok")
    assert "tidings.connect.mastodon" not in client.session
    # A replayed callback finds no state to match.
    assert client.get(callback).status_code == 400
    assert SocialAccount.objects.count() == 1
    assert token.call_count == 1


@pytest.mark.respx(assert_all_called=False)
def test_a_callback_with_the_wrong_state_is_refused_and_connects_nothing(
    alice: User, respx_mock: respx.MockRouter
) -> None:
    MastodonApp.objects.create(instance=BASE, client_id="c", client_secret="s", redirect_uri="r", scopes="x")
    token = respx_mock.post(f"{BASE}/oauth/token")
    client = logged_in(alice)
    session = client.session
    session["tidings.connect.mastodon"] = {"state": "right", "instance": BASE, "code_verifier": "v" * 64}
    session.save()
    response = client.get("/connections/mastodon/callback/?code=c&state=wrong")
    assert response.status_code == 400
    assert "not started here" in response.content.decode()
    assert not token.called
    assert not SocialAccount.objects.exists()


def test_a_denied_sign_in_says_so_and_shows_only_a_well_formed_error_code(alice: User) -> None:
    client = logged_in(alice)
    response = client.get("/connections/x/callback/?error=access_denied&state=s")
    assert response.status_code == 400
    assert "You did not allow Tidings to use your X account" in response.content.decode()
    crafted = client.get("/connections/x/callback/?error=Call+0800+now&error_description=Call+0800+now")
    assert "0800" not in crafted.content.decode()
    assert "(error)" in crafted.content.decode()


@pytest.mark.respx(assert_all_called=False)
def test_starting_over_the_plan_limit_shows_the_reason(alice: User, respx_mock: respx.MockRouter) -> None:
    create_account(alice, Platform.MASTODON)
    apps = respx_mock.post(f"{BASE}/api/v1/apps")
    response = logged_in(alice).post("/connections/mastodon/start/", {"instance": "mastodon.example"})
    assert response.status_code == 403
    assert "Connected Mastodon accounts are at the limit: 1 of 1 used on the Free plan." in response.content.decode()
    assert not apps.called


def test_the_webhook_credentials_form_connects_and_refuses_bad_input(bob: User) -> None:
    client = logged_in(bob)
    assert 'name="secret"' in client.get("/connections/webhook/credentials/").content.decode()
    bad = client.post("/connections/webhook/credentials/", {"url": "https://hooks.example/in", "secret": "short"})
    assert bad.status_code == 400
    assert not SocialAccount.objects.exists()
    insecure = client.post("/connections/webhook/credentials/", {"url": "http://hooks.example/in", "secret": "s" * 20})
    assert insecure.status_code == 400
    assert "https://" in insecure.content.decode()
    good = client.post(
        "/connections/webhook/credentials/", {"name": "Hook", "url": "https://hooks.example/in", "secret": "s" * 20}
    )
    assert good.status_code == 302
    account = SocialAccount.objects.get(workspace=workspace_of(bob))
    assert (account.platform, account.handle, account.base_url) == ("webhook", "Hook", "https://hooks.example/in")


@respx.mock
def test_the_bluesky_credentials_form_connects(bob: User) -> None:
    from tests.platforms.atproto import DID, session

    route = respx.post("https://bsky.social/xrpc/com.atproto.server.createSession").respond(200, json=session())
    response = logged_in(bob).post(
        "/connections/bluesky/credentials/", {"identifier": "alice.bsky.social", "app_password": "abcd-efgh"}
    )
    assert response.status_code == 302
    assert route.called
    assert SocialAccount.objects.get(workspace=workspace_of(bob)).external_id == DID


def test_oauth_platforms_have_no_credentials_form(alice: User) -> None:
    assert logged_in(alice).get("/connections/mastodon/credentials/").status_code == 404
