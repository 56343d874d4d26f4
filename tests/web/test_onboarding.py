"""The first-run checklist: each step done or to do from what the account holds, the browser's time zone confirmed
in one click (an old name stored under its current one), and put away for good."""

import pytest
from django.test import Client

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.generation.config import save_provider_config
from tidings.platforms.models import Platform
from tidings.platforms.services import disconnect_account
from tidings.tiers.plans import Tier
from tidings.web.onboarding import onboarding_steps

pytestmark = pytest.mark.django_db


def steps(user: User) -> dict[str, bool]:
    user.refresh_from_db()
    return {step.key: step.done for step in onboarding_steps(owner(user)).steps}


def test_each_step_follows_what_the_account_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIDINGS_AI_PROVIDER", raising=False)
    dana = make_user("dana", Tier.FREE, email="dana@example.com", email_confirmed=False)
    assert steps(dana) == {"email": False, "time_zone": False, "connect": False, "ai": False, "post": False}
    account = create_account(dana, Platform.MASTODON)
    save_provider_config(owner(dana), kind="openai", model="gpt-4o-mini")
    assert steps(dana) == {"email": False, "time_zone": False, "connect": True, "ai": True, "post": False}
    disconnect_account(owner(dana), account.pk)
    assert steps(dana)["connect"] is False

    erin = make_user("erin", Tier.PRO)
    create_scheduled_post(erin, [create_account(erin)], days=1)
    # The server's own model counts as set up.
    monkeypatch.setenv("TIDINGS_AI_PROVIDER", "openai")
    monkeypatch.setenv("TIDINGS_AI_MODEL", "llama3.1")
    assert steps(erin) == {"time_zone": False, "connect": True, "ai": True, "post": True}
    checklist = onboarding_steps(owner(erin))
    assert (checklist.done_count, checklist.total, checklist.percent, checklist.visible) == (3, 4, 75, True)


def test_the_browsers_zone_is_confirmed_in_one_click(client: Client) -> None:
    dana = make_user("dana", Tier.FREE)
    client.force_login(dana)
    page = client.get("/getting-started/").content.decode()
    assert 'data-testid="onboarding-step-time_zone" data-done="false"' in page
    response = client.post("/getting-started/time-zone/", {"time_zone": "Asia/Calcutta", "next": "/dashboard/"})
    assert response["Location"] == "/dashboard/"
    dana.refresh_from_db()
    assert (workspace_of(dana).time_zone, dana.time_zone_confirmed_at is not None) == ("Asia/Kolkata", True)
    page = client.get("/getting-started/").content.decode()
    assert 'data-testid="onboarding-step-time_zone" data-done="true"' in page
    assert "Time zone set to Asia/Kolkata." in page


def test_a_zone_that_is_not_one_changes_nothing_and_says_so(client: Client) -> None:
    dana = make_user("dana", Tier.FREE, time_zone="Europe/Lisbon")
    client.force_login(dana)
    response = client.post("/getting-started/time-zone/", {"time_zone": "Mars/Olympus"}, follow=True)
    assert "is not a known IANA time zone" in response.content.decode()
    dana.refresh_from_db()
    assert (workspace_of(dana).time_zone, dana.time_zone_confirmed_at) == ("Europe/Lisbon", None)


def test_the_next_address_stays_on_this_site(client: Client) -> None:
    client.force_login(make_user("dana", Tier.FREE))
    response = client.post("/getting-started/dismiss/", {"next": "https://evil.example/"})
    assert response["Location"] == "/getting-started/"


def test_dismissed_the_checklist_is_put_away_but_its_page_still_shows_it(client: Client) -> None:
    dana = make_user("dana", Tier.FREE)
    client.force_login(dana)
    client.post("/getting-started/dismiss/", {"next": "/getting-started/"})
    dana.refresh_from_db()
    assert dana.onboarding_dismissed_at is not None
    checklist = onboarding_steps(owner(dana))
    assert (checklist.dismissed, checklist.visible) == (True, False)
    page = client.get("/getting-started/").content.decode()
    assert 'data-testid="onboarding"' in page
    assert 'data-testid="onboarding-dismiss"' not in page


def test_the_pages_need_a_login(client: Client) -> None:
    assert client.get("/getting-started/")["Location"].startswith("/login/")
    assert client.post("/getting-started/time-zone/", {"time_zone": "UTC"})["Location"].startswith("/login/")
    assert client.post("/getting-started/dismiss/")["Location"].startswith("/login/")
