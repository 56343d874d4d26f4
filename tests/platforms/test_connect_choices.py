"""Choosing what to post as: a sign-in that finds several accounts keeps them (encrypted, for its user, for 30
minutes) until the user picks; each pick is its own account under the plan's per-platform limit, all or none."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import respx
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.encryption import decrypt
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.base import Identity, TokenSet
from tidings.platforms.choices import hold_choices, pending_pick
from tidings.platforms.connectors.meta import GRAPH
from tidings.platforms.models import AccountStatus, PendingConnection, Platform, SocialAccount
from tidings.platforms.services import connect_account, disconnect_account

pytestmark = pytest.mark.django_db
PAGES = [
    {"id": "1010", "name": "Alice's Bakery", "access_token": "token-1010"},
    {"id": "2020", "name": "Corner Cafe", "access_token": "token-2020"},
    {"id": "3030", "name": "Night Market", "access_token": "token-3030"},
]


@pytest.fixture(autouse=True)
def _apps(monkeypatch: pytest.MonkeyPatch) -> None:
    for platform in ("FACEBOOK", "LINKEDIN"):
        monkeypatch.setenv(f"TIDINGS_{platform}_CLIENT_ID", f"{platform.lower()}-app")
        monkeypatch.setenv(f"TIDINGS_{platform}_CLIENT_SECRET", f"{platform.lower()}-secret")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def facebook_routes(pages: list[dict]) -> None:
    respx.post(f"{GRAPH}/oauth/access_token").respond(json={"access_token": "short"})
    respx.get(f"{GRAPH}/oauth/access_token").respond(json={"access_token": "long", "expires_in": 5183944})
    respx.get(f"{GRAPH}/me/accounts").respond(json={"data": pages})
    respx.get(f"{GRAPH}/me/businesses").respond(json={"data": []})


def sign_in(client: Client, platform: str = "facebook") -> Client:
    """Start a sign-in and come back from it; the answer is the callback's."""
    started = client.post(f"/connections/{platform}/start/")
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
    return client.get(f"/connections/{platform}/callback/?code=c0de&state={state}")


def pending_of(user: User) -> PendingConnection:
    return PendingConnection.objects.get(user=user)


def pages_of(user: User) -> list[tuple[str, str, str]]:
    accounts = SocialAccount.objects.filter(workspace=workspace_of(user), platform=Platform.FACEBOOK).order_by(
        "external_id"
    )
    return [(a.external_id, a.handle, a.access_token) for a in accounts]


@respx.mock
def test_several_pages_wait_encrypted_for_a_pick_then_each_picked_is_its_own_account(bob: User) -> None:
    facebook_routes(PAGES)
    client = logged_in(bob)
    response = sign_in(client)
    pending = pending_of(bob)
    assert response.status_code == 302
    assert response["Location"] == f"/connections/pick/{pending.pk}/"
    assert SocialAccount.objects.count() == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT choices FROM platforms_pendingconnection WHERE id = %s", [pending.pk])
        raw = cursor.fetchone()[0]
    assert "token-1010" not in raw
    assert "token-1010" in decrypt(raw)

    page = client.get(response["Location"]).content.decode()
    assert page.count('data-testid="choice"') == 3
    assert "0 of 3 Facebook Pages accounts connected on your plan: you can add 3 more." in page
    assert 'value="2020"' in page
    assert "Corner Cafe" in page

    picked = client.post(response["Location"], {"choice": ["1010", "3030"]})
    assert picked.status_code == 302
    assert picked["Location"] == "/connections/"
    assert pages_of(bob) == [("1010", "Alice's Bakery", "token-1010"), ("3030", "Night Market", "token-3030")]
    assert SocialAccount.objects.get(external_id="1010").options == {"kind": "page"}
    # Used once: the choices and their tokens are gone.
    assert not PendingConnection.objects.exists()
    assert client.get(response["Location"]).status_code == 404


@respx.mock
def test_a_pick_over_the_plan_connects_nothing_and_keeps_the_choices_for_a_smaller_pick(alice: User) -> None:
    facebook_routes(PAGES)
    client = logged_in(alice)
    url = sign_in(client)["Location"]
    assert (
        "0 of 1 Facebook Pages accounts connected on your plan: you can add 1 more." in client.get(url).content.decode()
    )

    refused = client.post(url, {"choice": ["1010", "2020"]})
    assert refused.status_code == 403
    page = refused.content.decode()
    assert (
        "You picked 2 new Facebook Pages accounts, but your plan has room for 1 more (0 of 1 connected). Nothing was "
        "connected: pick fewer, or upgrade."
    ) in page
    # The boxes stay as the user ticked them.
    assert page.count("checked") == 2
    assert SocialAccount.objects.count() == 0
    assert pending_of(alice).pk == int(url.rstrip("/").rsplit("/", 1)[1])
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1

    assert client.post(url, {"choice": ["2020"]}).status_code == 302
    assert pages_of(alice) == [("2020", "Corner Cafe", "token-2020")]


@respx.mock
def test_a_page_already_connected_is_marked_and_picking_it_again_reconnects_the_same_row(alice: User) -> None:
    kept = connect_account(
        owner(alice), platform=Platform.FACEBOOK, external_id="1010", handle="Old name", access_token="old"
    )
    SocialAccount.objects.filter(pk=kept.pk).update(status=AccountStatus.RECONNECT_NEEDED)
    facebook_routes(PAGES[:2])
    client = logged_in(alice)
    url = sign_in(client)["Location"]
    page = client.get(url).content.decode()
    assert page.count('data-testid="choice-connected"') == 1
    assert "1 of 1 Facebook Pages accounts connected on your plan: you can add 0 more." in page

    # The connected one plus a new one is over the Free plan's one account.
    assert client.post(url, {"choice": ["1010", "2020"]}).status_code == 403
    assert client.post(url, {"choice": ["1010"]}).status_code == 302
    account = SocialAccount.objects.get(workspace=workspace_of(alice))
    assert (account.pk, account.handle, account.access_token, account.status) == (
        kept.pk,
        "Alice's Bakery",
        "token-1010",
        AccountStatus.ACTIVE,
    )


@respx.mock
def test_a_disconnected_page_picked_again_takes_a_slot(alice: User) -> None:
    gone = connect_account(
        owner(alice), platform=Platform.FACEBOOK, external_id="1010", handle="Bakery", access_token="old"
    )
    disconnect_account(owner(alice), gone.pk)
    facebook_routes(PAGES[:2])
    client = logged_in(alice)
    url = sign_in(client)["Location"]
    assert client.post(url, {"choice": ["1010", "2020"]}).status_code == 403
    assert client.post(url, {"choice": ["1010"]}).status_code == 302
    gone.refresh_from_db()
    assert (gone.status, gone.access_token) == (AccountStatus.ACTIVE, "token-1010")


@respx.mock
def test_someone_elses_pending_choices_are_not_found(alice: User, bob: User) -> None:
    facebook_routes(PAGES)
    url = sign_in(logged_in(bob))["Location"]
    stranger = logged_in(alice)
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"choice": ["1010"]}).status_code == 404
    assert stranger.post(url, {}).status_code == 404
    assert stranger.post(f"{url}discard/").status_code == 404
    assert SocialAccount.objects.count() == 0
    assert PendingConnection.objects.filter(user=bob).count() == 1


@respx.mock
def test_choices_expire_after_thirty_minutes(bob: User) -> None:
    facebook_routes(PAGES)
    client = logged_in(bob)
    url = sign_in(client)["Location"]
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert client.get(url).status_code == 404
        assert client.post(url, {"choice": ["1010"]}).status_code == 404
    assert SocialAccount.objects.count() == 0


@respx.mock
def test_a_pick_of_nothing_or_of_something_not_offered_is_refused(bob: User) -> None:
    facebook_routes(PAGES)
    client = logged_in(bob)
    url = sign_in(client)["Location"]
    none = client.post(url, {})
    assert none.status_code == 400
    assert "Pick at least one account to connect." in none.content.decode()
    forged = client.post(url, {"choice": ["1010", "9999"]})
    assert forged.status_code == 400
    assert "That account was not among the ones this sign-in found" in forged.content.decode()
    assert SocialAccount.objects.count() == 0
    assert PendingConnection.objects.count() == 1


@respx.mock
def test_connect_none_forgets_the_choices(bob: User) -> None:
    facebook_routes(PAGES)
    client = logged_in(bob)
    url = sign_in(client)["Location"]
    assert client.post(f"{url}discard/")["Location"] == "/connections/"
    assert not PendingConnection.objects.exists()
    assert SocialAccount.objects.count() == 0


@respx.mock
def test_a_new_sign_in_replaces_the_earlier_pending_choices(bob: User) -> None:
    facebook_routes(PAGES)
    client = logged_in(bob)
    first = sign_in(client)["Location"]
    second = sign_in(client)["Location"]
    assert first != second
    assert client.get(first).status_code == 404
    assert PendingConnection.objects.count() == 1


@respx.mock
def test_one_page_connects_at_once(bob: User) -> None:
    facebook_routes(PAGES[:1])
    response = sign_in(logged_in(bob))
    assert response["Location"] == "/connections/"
    assert pages_of(bob) == [("1010", "Alice's Bakery", "token-1010")]
    assert not PendingConnection.objects.exists()


@respx.mock
def test_no_page_says_what_to_do_and_connects_nothing(bob: User) -> None:
    facebook_routes([])
    response = sign_in(logged_in(bob))
    assert response.status_code == 400
    assert "manages no Page, or did not allow Tidings to use one: create a Page or ask its admin" in (
        response.content.decode().replace("&#x27;", "'")
    )
    assert SocialAccount.objects.count() == 0
    assert not PendingConnection.objects.exists()


@respx.mock
def test_a_linkedin_organisation_picked_posts_as_the_organisation(carol: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_LINKEDIN_ORGANIZATIONS", "1")
    respx.post("https://www.linkedin.com/oauth/v2/accessToken").respond(json={"access_token": "AQX", "expires_in": 60})
    respx.get("https://api.linkedin.com/v2/userinfo").respond(json={"sub": "yrZ", "name": "Carol"})
    respx.get("https://api.linkedin.com/rest/organizationAcls").respond(
        json={"elements": [{"organization": "urn:li:organization:42", "role": "ADMINISTRATOR", "state": "APPROVED"}]}
    )
    respx.get("https://api.linkedin.com/rest/organizations").respond(
        json={"results": {"42": {"localizedName": "Acme Corp", "vanityName": "acme"}}}
    )
    client = logged_in(carol)
    url = sign_in(client, "linkedin")["Location"]
    page = client.get(url).content.decode()
    assert "Organisation page · acme" in page
    assert "Your profile" in page
    assert "Your profile ·" not in page
    assert client.post(url, {"choice": ["urn:li:organization:42"]}).status_code == 302
    account = SocialAccount.objects.get(workspace=workspace_of(carol))
    assert (account.external_id, account.display_name, account.options, account.access_token) == (
        "urn:li:organization:42",
        "Acme Corp",
        {"kind": "organization"},
        "AQX",
    )
    assert account.token_expires_at is not None


def test_each_choice_is_named_once_with_what_it_is(bob: User) -> None:
    professional = {"kind": "professional"}
    pending = hold_choices(
        owner(bob),
        platform=Platform.INSTAGRAM,
        found=[
            (Identity("1", "@bakery", "The Bakery", options=professional), TokenSet("t1")),
            (Identity("2", "@acme", "", options=professional), TokenSet("t2")),
            (Identity("3", "Plain", "Plain"), TokenSet("t3")),
        ],
    )
    choices = pending_pick(owner(bob), pending.pk).choices
    assert [(c.name, c.detail, c.initials, c.connected) for c in choices] == [
        ("The Bakery", "Professional account · @bakery", "TB", False),
        ("@acme", "Professional account", "A", False),
        ("Plain", "", "P", False),
    ]
