"""The settings pages: profile and time zone from the searchable list, email change by link, password change,
the export download and deleting the account, each behind a login and each refusal saying why."""

import json
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.states import bring_to
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.generation.config import NoProviderConfigured
from tidings.posts.models import TargetStatus
from tidings.tiers.plans import Tier
from tidings.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
PAGES = ["/settings/", "/settings/notifications/", "/settings/sign-in/", "/settings/data/", "/settings/delete/"]


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    cache.clear()


@pytest.fixture
def dana(client: Client) -> User:
    user = make_user("dana", Tier.PRO, email="dana@example.com", time_zone="Europe/Lisbon")
    client.force_login(user)
    return user


def test_every_page_needs_a_login() -> None:
    client = Client()
    for url in [*PAGES, "/settings/data/export/"]:
        assert client.get(url)["Location"].startswith("/login/"), url
    for url in ("/settings/email/", "/settings/password/", "/settings/delete/"):
        assert client.post(url)["Location"].startswith("/login/"), url


def test_each_page_marks_its_section(client: Client, dana: User) -> None:
    for url in PAGES:
        page = client.get(url).content.decode()
        current = re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', page)
        assert current == [url if url != "/settings/delete/" else "/settings/data/"], url


def test_the_time_zone_list_has_current_names_only_and_saving_confirms_it(client: Client, dana: User) -> None:
    page = client.get("/settings/").content.decode()
    assert '<option value="Asia/Kolkata">Asia/Kolkata (UTC+05:30)</option>' in page
    assert 'value="Asia/Calcutta"' not in page
    assert "data-zone-picker" in page
    response = client.post("/settings/", {"first_name": " Dana ", "last_name": "Silva", "time_zone": "Asia/Tokyo"})
    assert response["Location"] == "/settings/"
    dana.refresh_from_db()
    assert (dana.first_name, dana.last_name, workspace_of(dana).time_zone) == ("Dana", "Silva", "Asia/Tokyo")
    assert dana.time_zone_confirmed_at is not None
    refused = client.post("/settings/", {"time_zone": "US/Eastern"})
    assert refused.status_code == 200
    assert "Select a valid choice." in refused.content.decode()
    dana.refresh_from_db()
    assert workspace_of(dana).time_zone == "Asia/Tokyo"


def test_a_user_on_an_old_zone_name_keeps_it_until_they_choose(client: Client) -> None:
    old = make_user("olga", Tier.FREE, time_zone="Europe/Lisbon")
    Workspace.objects.filter(personal_owner=old).update(time_zone="Asia/Calcutta")
    client.force_login(old)
    page = client.get("/settings/").content.decode()
    assert '<option value="Asia/Calcutta" selected>Asia/Calcutta (UTC+05:30)</option>' in page


def test_notifications_choose_what_is_emailed(client: Client, dana: User) -> None:
    client.post("/settings/notifications/", {"email_types": ["post_failed", "low_credits"]})
    dana.refresh_from_db()
    assert dana.notification_preferences == {"email": ["low_credits", "post_failed"]}
    assert "Emails go to <strong" in client.get("/settings/notifications/").content.decode()


def test_changing_the_email_needs_the_password_and_the_link(client: Client, dana: User) -> None:
    wrong = client.post("/settings/email/", {"new_email": "dana@new.example", "password": "nope"})
    assert wrong.status_code == 400
    assert "That is not your password." in wrong.content.decode()
    assert mail.outbox == []

    response = client.post("/settings/email/", {"new_email": "dana@new.example", "password": PASSWORD})
    assert response["Location"] == "/settings/sign-in/"
    assert [m.to for m in mail.outbox] == [["dana@new.example"]]
    page = client.get("/settings/sign-in/").content.decode()
    assert "We sent a link to dana@new.example." in page
    assert 'data-testid="current-email">dana@example.com<' in page

    link = re.search(r"http://testserver(/settings/email/confirm/[^/\s]+/)", mail.outbox[0].body)
    assert link is not None
    # The link works in any browser, signed in or not.
    anonymous = Client().get(link.group(1))
    assert anonymous["Location"] == "/login/"
    dana.refresh_from_db()
    assert dana.email == "dana@new.example"
    again = client.get(link.group(1))
    assert again.status_code == 400
    assert "the link has been used" in again.content.decode()


def test_an_address_in_use_is_refused_on_the_form(client: Client, dana: User) -> None:
    make_user("erin", Tier.FREE, email="erin@example.com")
    refused = client.post("/settings/email/", {"new_email": "Erin@Example.com", "password": PASSWORD})
    assert refused.status_code == 400
    assert "An account already uses this email address." in refused.content.decode()
    assert mail.outbox == []


def test_changing_the_password_keeps_this_session_and_ends_the_others(client: Client, dana: User) -> None:
    other = Client()
    other.force_login(dana)
    new = "a whole new horse battery"
    bad = client.post("/settings/password/", {"old_password": "nope", "new_password1": new, "new_password2": new})
    assert bad.status_code == 400
    assert "Your old password was entered incorrectly." in bad.content.decode()
    response = client.post(
        "/settings/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response["Location"] == "/settings/sign-in/"
    dana.refresh_from_db()
    assert dana.check_password(new)
    assert client.get("/settings/").status_code == 200
    assert other.get("/settings/")["Location"].startswith("/login/")


def test_the_export_is_a_json_download_of_the_users_data(client: Client, dana: User) -> None:
    create_scheduled_post(dana, [create_account(dana)], text="Bread at 7", days=1)
    response = client.get("/settings/data/export/")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="tidings-dana-\d{4}-\d\d-\d\d\.json"', response["Content-Disposition"])
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert [p["text"] for p in data["posts"]] == ["Bread at 7"]
    assert "token-dana-1" not in response.content.decode()


def test_the_delete_page_says_what_goes_and_deletes_with_the_password(client: Client, dana: User) -> None:
    account = create_account(dana)
    for day in (1, 2, 3):
        create_scheduled_post(dana, [account], days=day)
    page = client.get("/settings/delete/").content.decode()
    assert "3 scheduled posts do not go out." in page
    assert "Your 500 credits and 30 video credits (3 held by posts not settled yet) end with the account" in page

    wrong = client.post("/settings/delete/", {"password": "nope"})
    assert wrong.status_code == 400
    assert "That is not your password; nothing was deleted." in wrong.content.decode()
    assert User.objects.filter(pk=dana.pk).exists()

    response = client.post("/settings/delete/", {"password": PASSWORD})
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=dana.pk).exists()
    assert "_auth_user_id" not in client.session
    assert "Your account and everything in it were deleted." in client.get("/").content.decode()


def test_while_a_post_is_being_sent_the_delete_button_waits(client: Client, dana: User) -> None:
    post = create_scheduled_post(dana, [create_account(dana)], days=1)
    bring_to(post.targets.get(), TargetStatus.PUBLISHING)
    page = client.get("/settings/delete/").content.decode()
    assert "1 post is being published right now." in page
    assert 'data-testid="delete-account" disabled' in page
    refused = client.post("/settings/delete/", {"password": PASSWORD})
    assert refused.status_code == 400
    assert User.objects.filter(pk=dana.pk).exists()


def test_the_ai_provider_page_says_where_writing_comes_from(
    client: Client, dana: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIDINGS_AI_PROVIDER", raising=False)
    page = client.get("/generate/provider/").content.decode()
    assert "No model is set up yet" in page
    assert 'aria-current="page">' in page.split("AI provider</a>")[0].rsplit("<a ", 1)[1]
    assert "TIDINGS_" not in NoProviderConfigured().message
    monkeypatch.setenv("TIDINGS_AI_PROVIDER", "openai")
    monkeypatch.setenv("TIDINGS_AI_MODEL", "llama3.1")
    page = client.get("/generate/provider/").content.decode()
    assert "You write with this server's model, <strong>llama3.1</strong>." in page


def test_the_delete_page_says_which_shared_workspaces_to_hand_over_first(client: Client, dana: User, bob: User) -> None:
    from tests.support.workspaces import join, workspace_of
    from tidings.workspaces.members import create_workspace
    from tidings.workspaces.plan import set_tier_limits

    shop = create_workspace(dana, name="Dana's shop")
    set_tier_limits(shop, overrides={"members": 3})
    join(bob, shop, "editor")
    join(dana, workspace_of(bob), "viewer")
    page = client.get("/settings/delete/").content.decode()
    assert "You own Dana&#x27;s shop together with other members. Hand it over first" in page
    assert "You also leave 1 other workspace; it stays as it is." in page
    assert 'data-testid="delete-account" disabled' in page
