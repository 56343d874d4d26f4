import pytest

from tests.api.conftest import Api, error
from tests.conftest import create_account
from tidings.accounts.models import User
from tidings.automation.models import AutomationRule

pytestmark = pytest.mark.django_db


def rule(account_id: int, **changes: object) -> dict[str, object]:
    return {
        "name": "Daily bread",
        "schedule": "0 9 * * 1-5",
        "brief": {"topic": "Bread"},
        "account_ids": [account_id],
        **changes,
    }


def test_create_read_update_enable_disable(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    created = bob_api.post("/automation/rules", rule(account.pk))
    assert created.status_code == 201
    body = created.json()
    assert (body["enabled"], body["account_ids"], body["brief"]["topic"]) == (False, [account.pk], "Bread")
    rule_id = body["id"]
    assert bob_api.get(f"/automation/rules/{rule_id}").json()["name"] == "Daily bread"
    assert bob_api.put(f"/automation/rules/{rule_id}", rule(account.pk, name="Weekly")).json()["name"] == "Weekly"
    enabled = bob_api.post(f"/automation/rules/{rule_id}/enable").json()
    assert enabled["enabled"] is True
    assert enabled["next_run_at"] is not None
    assert bob_api.post(f"/automation/rules/{rule_id}/disable").json()["enabled"] is False
    assert [r["id"] for r in bob_api.get("/automation/rules").json()["items"]] == [rule_id]


def test_bad_rules_name_the_field(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    assert (
        error(bob_api.post("/automation/rules", rule(account.pk, schedule="daily")), 400, "invalid_input")["field"]
        == "schedule"
    )
    assert (
        error(bob_api.post("/automation/rules", rule(account.pk, brief={})), 400, "invalid_input")["field"]
        == "brief.topic"
    )
    assert (
        error(bob_api.post("/automation/rules", rule(account.pk, account_ids=[])), 400, "invalid_input")["field"]
        == "account_ids"
    )
    assert not AutomationRule.objects.exists()


def test_free_plan_cannot_enable_a_rule(alice: User, alice_api: Api) -> None:
    account = create_account(alice)
    body = error(alice_api.post("/automation/rules", rule(account.pk, enabled=True)), 403, "tier_limit_reached")
    assert (body["limit"], body["used"], body["tier"]) == (0, 0, "free")
    assert not AutomationRule.objects.exists()


def test_another_users_rule_is_404(alice: User, bob: User, alice_api: Api, bob_api: Api) -> None:
    account = create_account(bob)
    rule_id = bob_api.post("/automation/rules", rule(account.pk)).json()["id"]
    mine = create_account(alice)
    error(alice_api.get(f"/automation/rules/{rule_id}"), 404, "not_found")
    error(alice_api.put(f"/automation/rules/{rule_id}", rule(mine.pk)), 404, "not_found")
    error(alice_api.post(f"/automation/rules/{rule_id}/enable"), 404, "not_found")
    assert alice_api.get("/automation/rules").json()["items"] == []
    assert AutomationRule.objects.get(pk=rule_id).name == "Daily bread"
