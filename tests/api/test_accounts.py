import pytest

from tests.api.conftest import Api, error
from tests.conftest import create_account
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.platforms.services import connect_account

pytestmark = pytest.mark.django_db


def test_list_and_read_accounts_without_their_tokens(alice: User, bob: User, bob_api: Api) -> None:
    create_account(alice)
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    page = bob_api.get("/accounts").json()
    assert [a["id"] for a in page["items"]] == [bluesky.pk, mastodon.pk]
    assert page["count"] == 2
    assert "token" not in str(page)
    assert [a["id"] for a in bob_api.get("/accounts", {"platform": "mastodon"}).json()["items"]] == [mastodon.pk]
    assert bob_api.get(f"/accounts/{mastodon.pk}").json()["handle"] == "@bob1"
    assert error(bob_api.get("/accounts", {"platform": "myspace"}), 400, "invalid_input")["field"] == "platform"


def test_disconnect(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    body = bob_api.post(f"/accounts/{account.pk}/disconnect").json()
    assert body["status"] == "disconnected"
    account.refresh_from_db()
    assert account.access_token == ""
    assert [a["id"] for a in bob_api.get("/accounts", {"status": "active"}).json()["items"]] == []


def test_another_users_account_is_404(alice: User, bob_api: Api) -> None:
    theirs = create_account(alice)
    error(bob_api.get(f"/accounts/{theirs.pk}"), 404, "not_found")
    error(bob_api.post(f"/accounts/{theirs.pk}/disconnect"), 404, "not_found")
    assert SocialAccount.objects.get(pk=theirs.pk).status == AccountStatus.ACTIVE


def test_an_account_says_what_it_posts_as_and_a_pinterest_account_its_boards(bob: User, bob_api: Api) -> None:
    boards = [{"id": "1", "name": "Cakes"}, {"id": "2", "name": "Bread"}]
    pins = connect_account(
        owner(bob),
        platform=Platform.PINTEREST,
        external_id="p",
        handle="bob",
        options={"boards": boards, "board_id": "2"},
    )
    page = connect_account(
        owner(bob),
        platform=Platform.LINKEDIN,
        external_id="urn:li:organization:42",
        handle="acme",
        options={"kind": "organization"},
    )
    body = bob_api.get(f"/accounts/{pins.pk}").json()
    assert (body["kind"], body["boards"], body["board_id"]) == ("", boards, "2")
    body = bob_api.get(f"/accounts/{page.pk}").json()
    assert (body["kind"], body["boards"], body["board_id"]) == ("organization", [], "")
