"""The plan table as DESIGN.md states it, resolving a workspace's limits, and validating `tier_limits` overrides."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import make_user
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.accounts.services import create_user
from tidings.core.errors import InvalidInput
from tidings.tiers.plans import PLANS, Limit, Tier, resolve_limits, validate_tier_limits
from tidings.workspaces.plan import set_tier_limits

pytestmark = pytest.mark.django_db

# DESIGN.md, section "Plans", copied by hand: a wrong number in plans.py must fail here.
DESIGN_TABLE: dict[str, dict[str, int]] = {
    "free": {
        "accounts_per_platform": 1,
        "queue_size": 5,
        "generations_per_day": 5,
        "posts_per_platform_per_day": 2,
        "automation_rules": 0,
        "monthly_credits": 10,
        "carryover_cap": 0,
        "monthly_video_credits": 2,
        "video_carryover_cap": 0,
        "members": 1,
    },
    "pro": {
        "accounts_per_platform": 3,
        "queue_size": 50,
        "generations_per_day": 50,
        "posts_per_platform_per_day": 10,
        "automation_rules": 5,
        "monthly_credits": 500,
        "carryover_cap": 250,
        "monthly_video_credits": 30,
        "video_carryover_cap": 15,
        "members": 3,
    },
    "business": {
        "accounts_per_platform": 10,
        "queue_size": 200,
        "generations_per_day": 200,
        "posts_per_platform_per_day": 50,
        "automation_rules": 20,
        "monthly_credits": 2000,
        "carryover_cap": 1000,
        "monthly_video_credits": 150,
        "video_carryover_cap": 75,
        "members": 10,
    },
}

INVALID_OVERRIDES = [
    pytest.param({"queue_sise": 7}, id="unknown-key"),
    pytest.param({"queue_size": 7, "posts_per_day": 3}, id="unknown-key-beside-a-valid-one"),
    pytest.param({"queue_size": -1}, id="negative"),
    pytest.param({"generations_per_day": 2.5}, id="float"),
    pytest.param({"generations_per_day": 5.0}, id="whole-float"),
    pytest.param({"automation_rules": True}, id="bool-true"),
    pytest.param({"automation_rules": False}, id="bool-false"),
    pytest.param({"queue_size": "7"}, id="string"),
    pytest.param({"queue_size": [7]}, id="list-value"),
    pytest.param({"monthly_credits": None}, id="unlimited-monthly-credits"),
    pytest.param({"carryover_cap": None}, id="unlimited-carryover-cap"),
    pytest.param({"monthly_video_credits": None}, id="unlimited-monthly-video-credits"),
    pytest.param({"video_carryover_cap": None}, id="unlimited-video-carryover-cap"),
    pytest.param(["queue_size", 7], id="list"),
    pytest.param("queue_size=7", id="string-object"),
    pytest.param(7, id="number-object"),
    pytest.param(None, id="null-object"),
]

# None, as the whole object, means "no overrides" to resolve_limits and create_user; only the validator sees it.
GIVEN_INVALID_OVERRIDES = [p for p in INVALID_OVERRIDES if p.values[0] is not None]

VALID_OVERRIDES = [
    pytest.param({}, id="empty"),
    pytest.param({"queue_size": 0}, id="zero"),
    pytest.param({"queue_size": None}, id="unlimited"),
    pytest.param({"monthly_credits": 0, "carryover_cap": 0}, id="zero-credits"),
    pytest.param(dict.fromkeys(DESIGN_TABLE["free"], 3), id="every-limit"),
    pytest.param({"accounts_per_platform": 10**9}, id="huge"),
]


def as_strings(limits: dict[Limit, int | None]) -> dict[str, int | None]:
    return {Limit(name).value: value for name, value in limits.items()}


def test_the_tiers_and_limit_names_are_exactly_the_designed_ones() -> None:
    assert [tier.value for tier in Tier] == ["free", "pro", "business"]
    assert sorted(limit.value for limit in Limit) == sorted(DESIGN_TABLE["free"])


def test_the_plan_table_is_the_design_table() -> None:
    assert {Tier(tier).value: as_strings(limits) for tier, limits in PLANS.items()} == DESIGN_TABLE


@pytest.mark.parametrize("tier", list(Tier))
def test_every_plan_value_is_a_whole_number(tier: Tier) -> None:
    for name, value in PLANS[tier].items():
        assert type(value) is int, (tier, name, value)


@pytest.mark.parametrize("tier", ["free", "pro", "business"])
def test_resolving_without_overrides_gives_the_plan(tier: str) -> None:
    assert as_strings(resolve_limits(tier)) == DESIGN_TABLE[tier]
    assert as_strings(resolve_limits(tier, {})) == DESIGN_TABLE[tier]
    assert as_strings(resolve_limits(tier, None)) == DESIGN_TABLE[tier]


@pytest.mark.parametrize(
    ("tier", "overrides"),
    [
        ("free", {"queue_size": 7}),
        ("free", {"automation_rules": 2, "carryover_cap": 5}),
        ("pro", {"generations_per_day": None}),
        ("pro", {"accounts_per_platform": 0}),
        ("business", {"posts_per_platform_per_day": 1, "monthly_credits": 3}),
    ],
)
def test_an_override_replaces_only_its_own_values(tier: str, overrides: dict[str, int | None]) -> None:
    assert as_strings(resolve_limits(tier, overrides)) == {**DESIGN_TABLE[tier], **overrides}


def test_resolving_with_an_override_leaves_the_plan_table_alone() -> None:
    limits = resolve_limits(Tier.FREE, {"queue_size": 7})
    limits[Limit.GENERATIONS_PER_DAY] = 99
    assert PLANS[Tier.FREE][Limit.QUEUE_SIZE] == 5
    assert PLANS[Tier.FREE][Limit.GENERATIONS_PER_DAY] == 5
    assert as_strings(resolve_limits(Tier.FREE)) == DESIGN_TABLE["free"]


def test_resolving_an_unknown_tier_is_an_error() -> None:
    with pytest.raises(ValueError, match="enterprise"):
        resolve_limits("enterprise")


@pytest.mark.parametrize("overrides", GIVEN_INVALID_OVERRIDES)
def test_resolving_invalid_overrides_is_an_error(overrides: Any) -> None:
    with pytest.raises(ValidationError):
        resolve_limits("pro", overrides)


@pytest.mark.parametrize("overrides", VALID_OVERRIDES)
def test_valid_overrides_pass_the_validator(overrides: dict[str, int | None]) -> None:
    assert validate_tier_limits(overrides) is None


@pytest.mark.parametrize("overrides", INVALID_OVERRIDES)
def test_invalid_overrides_fail_the_validator(overrides: Any) -> None:
    with pytest.raises(ValidationError):
        validate_tier_limits(overrides)


@pytest.mark.parametrize("overrides", INVALID_OVERRIDES)
def test_set_tier_limits_refuses_invalid_overrides_and_keeps_the_old_ones(alice: User, overrides: Any) -> None:
    set_tier_limits(workspace_of(alice), overrides={"queue_size": 7})
    with pytest.raises(InvalidInput) as refusal:
        set_tier_limits(workspace_of(alice), overrides=overrides)
    assert refusal.value.details == {"field": "tier_limits"}
    assert refusal.value.as_dict()["code"] == "invalid_input"
    assert refusal.value.message
    assert workspace_of(alice).tier_limits == {"queue_size": 7}


@pytest.mark.parametrize("overrides", VALID_OVERRIDES)
def test_set_tier_limits_stores_valid_overrides(alice: User, overrides: dict[str, int | None]) -> None:
    set_tier_limits(workspace_of(alice), overrides=overrides)
    assert workspace_of(alice).tier_limits == overrides
    assert as_strings(workspace_of(alice).limits) == {**DESIGN_TABLE["free"], **overrides}


@pytest.mark.parametrize("overrides", GIVEN_INVALID_OVERRIDES)
def test_create_user_refuses_invalid_overrides_and_creates_nobody(overrides: Any) -> None:
    with pytest.raises(InvalidInput) as refusal:
        create_user("dave", password="correct horse battery staple", tier=Tier.PRO, tier_limits=overrides)
    assert refusal.value.details == {"field": "tier_limits"}
    assert not User.objects.filter(username="dave").exists()


def test_create_user_keeps_valid_overrides_and_grants_the_overridden_monthly_credits() -> None:
    dave = make_user("dave", Tier.FREE, tier_limits={"queue_size": 7, "monthly_credits": 25})
    assert workspace_of(dave).tier_limits == {"queue_size": 7, "monthly_credits": 25}
    assert as_strings(workspace_of(dave).limits) == {**DESIGN_TABLE["free"], "queue_size": 7, "monthly_credits": 25}
    assert workspace_of(dave).credits == 25


@pytest.mark.parametrize("tier", list(Tier))
def test_a_user_without_overrides_has_the_plan_limits(cast: dict[Tier, User], tier: Tier) -> None:
    user = cast[tier]
    assert workspace_of(user).tier == tier.value
    assert workspace_of(user).tier_limits == {}
    assert as_strings(workspace_of(user).limits) == DESIGN_TABLE[tier.value]
    assert workspace_of(user).credits == DESIGN_TABLE[tier.value]["monthly_credits"]
