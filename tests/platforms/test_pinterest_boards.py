"""A Pinterest account's boards on its connection card: the default board picked there, the list read again from
Pinterest, and a reconnect that keeps the board the user chose while it still exists."""

from typing import Any

import pytest
import respx
from django.test import Client

from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.platforms.services import connect_account

pytestmark = pytest.mark.django_db
API = "https://api.pinterest.com/v5"
BOARDS = [{"id": "1", "name": "Cakes"}, {"id": "2", "name": "Bread"}]


@pytest.fixture(autouse=True)
def _app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_PINTEREST_CLIENT_ID", "app-1")
    monkeypatch.setenv("TIDINGS_PINTEREST_CLIENT_SECRET", "psecret")


def pinterest(user: User, **options: Any) -> SocialAccount:
    return connect_account(
        owner(user),
        platform=Platform.PINTEREST,
        external_id=f"pin-{user.username}",
        handle=user.username,
        access_token="pina_a",
        options={"boards": BOARDS, "board_id": "1"} | options,
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_card_offers_the_boards_with_the_default_selected(alice: User) -> None:
    account = pinterest(alice)
    page = logged_in(alice).get("/connections/").content.decode()
    card = page.split(f'data-testid="account-{account.pk}"')[1].split("</article>")[0]
    assert '<option value="1" selected>Cakes</option>' in card
    assert '<option value="2">Bread</option>' in card
    assert f"/connections/accounts/{account.pk}/boards/refresh/" in card


def test_picking_another_default_board(alice: User) -> None:
    account = pinterest(alice)
    response = logged_in(alice).post(f"/connections/accounts/{account.pk}/board/", {"board_id": "2"}, follow=True)
    assert "Pins to Pinterest alice now go to Bread unless a post picks another." in response.content.decode()
    account.refresh_from_db()
    assert account.options == {"boards": BOARDS, "board_id": "2"}


def test_a_board_not_on_the_account_and_someone_elses_account_are_refused(alice: User, bob: User) -> None:
    mine, theirs = pinterest(alice), pinterest(bob)
    client = logged_in(alice)
    refused = client.post(f"/connections/accounts/{mine.pk}/board/", {"board_id": "9"})
    assert refused.status_code == 400
    assert "That board is not among this account&#x27;s boards" in refused.content.decode()
    assert client.post(f"/connections/accounts/{theirs.pk}/board/", {"board_id": "2"}).status_code == 404
    assert client.post(f"/connections/accounts/{theirs.pk}/boards/refresh/").status_code == 404
    for account in (mine, theirs):
        account.refresh_from_db()
        assert account.options["board_id"] == "1"


@respx.mock
def test_reading_the_boards_again_keeps_the_default_while_it_exists(alice: User) -> None:
    account = pinterest(alice, board_id="2")
    route = respx.get(f"{API}/boards").respond(
        json={
            "items": [
                {"id": "2", "name": "Bread", "privacy": "SECRET"},
                {"id": "3", "name": "Pies", "privacy": "PUBLIC"},
            ],
            "bookmark": None,
        }
    )
    response = logged_in(alice).post(f"/connections/accounts/{account.pk}/boards/refresh/", follow=True)
    assert "Read 2 boards of Pinterest alice from Pinterest." in response.content.decode()
    assert route.calls.last.request.headers["Authorization"] == "Bearer pina_a"
    account.refresh_from_db()
    assert account.options == {"boards": [{"id": "2", "name": "Bread"}, {"id": "3", "name": "Pies"}], "board_id": "2"}

    # The default board deleted on Pinterest: the first public one takes its place.
    route.respond(
        json={
            "items": [
                {"id": "4", "name": "Secret", "privacy": "SECRET"},
                {"id": "3", "name": "Pies", "privacy": "PUBLIC"},
            ]
        }
    )
    logged_in(alice).post(f"/connections/accounts/{account.pk}/boards/refresh/")
    account.refresh_from_db()
    assert account.options["board_id"] == "3"


@respx.mock
def test_a_refused_sign_in_while_reading_boards_marks_the_account(alice: User) -> None:
    account = pinterest(alice)
    respx.get(f"{API}/boards").respond(401, json={"code": 2, "message": "Authentication failed."})
    response = logged_in(alice).post(f"/connections/accounts/{account.pk}/boards/refresh/")
    assert response.status_code == 400
    assert "Pinterest no longer accepts this account&#x27;s sign-in." in response.content.decode()
    account.refresh_from_db()
    assert (account.status, account.options) == (AccountStatus.RECONNECT_NEEDED, {"boards": BOARDS, "board_id": "1"})


def test_a_reconnect_keeps_the_chosen_board_while_it_exists(alice: User) -> None:
    account = pinterest(alice, board_id="2")
    again = connect_account(
        owner(alice),
        platform=Platform.PINTEREST,
        external_id=account.external_id,
        handle="alice",
        access_token="pina_new",
        options={"boards": [*BOARDS, {"id": "5", "name": "New"}], "board_id": "1"},
    )
    assert (again.pk, again.options["board_id"], len(again.options["boards"])) == (account.pk, "2", 3)
    gone = connect_account(
        owner(alice),
        platform=Platform.PINTEREST,
        external_id=account.external_id,
        handle="alice",
        access_token="pina_newer",
        options={"boards": [{"id": "5", "name": "New"}], "board_id": "5"},
    )
    assert gone.options == {"boards": [{"id": "5", "name": "New"}], "board_id": "5"}
