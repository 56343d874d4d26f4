import pytest

from tests.api.conftest import Api, error, token
from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.platforms.models import Platform
from tidings.tiers.plans import Tier
from tidings.usage.models import Metric
from tidings.usage.services import count_usage, local_day

pytestmark = pytest.mark.django_db


def test_balance_reservations_and_ledger(alice: User, bob: User, bob_api: Api) -> None:
    create_scheduled_post(alice, [create_account(alice)])
    post = create_scheduled_post(bob, [create_account(bob)])
    credits = bob_api.get("/credits").json()
    assert (credits["balance"], credits["reserved"], credits["available"]) == (500, 1, 499)
    assert (credits["monthly_credits"], credits["carryover_cap"]) == (500, 250)
    reservations = bob_api.get("/credits/reservations").json()
    assert [(r["target_id"], r["status"]) for r in reservations["items"]] == [(post.targets.get().pk, "pending")]
    assert bob_api.get("/credits/reservations", {"status": "released"}).json()["count"] == 0
    ledger = bob_api.get("/credits/ledger").json()["items"]
    assert [(e["kind"], e["balance"], e["amount"], e["balance_after"]) for e in ledger] == [
        ("grant", "video_credits", 30, 30),
        ("grant", "credits", 500, 500),
    ]
    ledger = bob_api.get("/credits/ledger", {"balance": "video_credits"}).json()["items"]
    assert [(e["kind"], e["amount"]) for e in ledger] == [("grant", 30)]
    assert [
        (b["balance"], b["amount"], b["available"], b["monthly"], b["carryover_cap"]) for b in credits["balances"]
    ] == [
        ("credits", 500, 499, 500, 250),
        ("video_credits", 30, 30, 30, 15),
    ]
    assert error(bob_api.get("/credits/ledger", {"balance": "gold"}), 400, "invalid_input")["field"] == "balance"
    assert error(bob_api.get("/credits/reservations", {"status": "lost"}), 400, "invalid_input")["field"] == "status"


def test_usage_of_a_day(bob: User, bob_api: Api) -> None:
    count_usage(workspace_of(bob), metric=Metric.GENERATIONS, amount=2)
    count_usage(workspace_of(bob), metric=Metric.POSTS, platform="bluesky")
    today = bob_api.get("/usage").json()
    assert today == {
        "day": local_day(workspace_of(bob)).isoformat(),
        "time_zone": "UTC",
        "generations": 2,
        "posts": {"bluesky": 1},
    }
    assert bob_api.get("/usage", {"day": "2001-01-01"}).json()["generations"] == 0
    assert error(bob_api.get("/usage", {"day": "yesterday"}), 400, "invalid_input")["field"] == "day"


def test_plan_with_limits_and_usage(alice: User, alice_api: Api) -> None:
    create_scheduled_post(alice, [create_account(alice, Platform.BLUESKY)])
    count_usage(workspace_of(alice), metric=Metric.GENERATIONS, amount=3)
    plan = alice_api.get("/plan").json()
    assert (plan["tier"], plan["tier_name"]) == ("free", "Free")
    assert plan["limits"]["queue_size"] == 5
    assert plan["limits"]["automation_rules"] == 0
    usage = {(u["name"], u["platform"]): (u["limit"], u["used"]) for u in plan["usage"]}
    assert usage[("queue_size", None)] == (5, 1)
    assert usage[("generations_per_day", None)] == (5, 3)
    assert usage[("automation_rules", None)] == (0, 0)
    assert usage[("accounts_per_platform", "bluesky")] == (1, 1)


def test_limit_overrides_show_in_the_plan(db: None) -> None:
    user = make_user("gina", Tier.PRO, tier_limits={"queue_size": None})
    plan = Api(token(user)).get("/plan").json()
    assert plan["limits"]["queue_size"] is None
