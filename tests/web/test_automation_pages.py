import pytest
from django.test import Client

from tests.conftest import create_account
from tidings.accounts.models import User
from tidings.automation.models import AutomationRule
from tidings.platforms.models import Platform

pytestmark = pytest.mark.django_db


def rule_form(account_id: int, **overrides: object) -> dict[str, object]:
    return {
        "name": "Morning tip",
        "schedule": "0 9 * * 1-5",
        "topic": "A scheduling tip",
        "language": "English",
        "hashtags": "tips scheduling",
        "accounts": [account_id],
        "enabled": "on",
        **overrides,
    }


def test_free_sees_why_automation_is_not_available(client: Client, alice: User) -> None:
    client.force_login(alice)
    page = client.get("/automation/").content.decode()
    assert "Automation is not part of the Free plan" in page
    assert "New rule" not in page
    response = client.post("/automation/new/", rule_form(create_account(alice).pk))
    assert "Automation is not part of the Free plan" in response.content.decode()
    assert not AutomationRule.objects.exists()


def test_pro_creates_pauses_and_resumes_a_rule(client: Client, bob: User) -> None:
    account = create_account(bob, Platform.BLUESKY)
    client.force_login(bob)
    assert client.post("/automation/new/", rule_form(account.pk)).status_code == 302
    rule = AutomationRule.objects.get(user=bob)
    assert (rule.enabled, rule.brief["hashtags"]) == (True, ["#tips", "#scheduling"])
    client.post(f"/automation/{rule.pk}/pause/")
    rule.refresh_from_db()
    assert rule.enabled is False
    client.post(f"/automation/{rule.pk}/resume/")
    rule.refresh_from_db()
    assert rule.enabled is True
    page = client.get(f"/automation/{rule.pk}/").content.decode()
    assert "History" in page
    assert 'value="0 9 * * 1-5"' in page


def test_a_bad_schedule_is_explained_on_the_field(client: Client, bob: User) -> None:
    client.force_login(bob)
    response = client.post("/automation/new/", rule_form(create_account(bob).pk, schedule="every morning"))
    assert "five cron fields" in response.content.decode()
    assert not AutomationRule.objects.exists()


def test_another_users_rule_is_not_found(client: Client, bob: User, carol: User) -> None:
    client.force_login(carol)
    client.post("/automation/new/", rule_form(create_account(carol).pk))
    rule = AutomationRule.objects.get(user=carol)
    client.force_login(bob)
    response = client.get(f"/automation/{rule.pk}/", follow=True)
    assert "No such automation rule." in response.content.decode()
    client.post(f"/automation/{rule.pk}/pause/")
    rule.refresh_from_db()
    assert rule.enabled is True
