"""The plan table, exactly as DESIGN.md states it, and the one function that resolves a workspace's limits."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError


class Tier(StrEnum):
    FREE = "free"
    PRO = "pro"
    BUSINESS = "business"


class Limit(StrEnum):
    ACCOUNTS_PER_PLATFORM = "accounts_per_platform"
    QUEUE_SIZE = "queue_size"
    GENERATIONS_PER_DAY = "generations_per_day"
    POSTS_PER_PLATFORM_PER_DAY = "posts_per_platform_per_day"
    AUTOMATION_RULES = "automation_rules"
    MONTHLY_CREDITS = "monthly_credits"
    CARRYOVER_CAP = "carryover_cap"
    MONTHLY_VIDEO_CREDITS = "monthly_video_credits"
    VIDEO_CARRYOVER_CAP = "video_carryover_cap"
    MEMBERS = "members"


# None would mean unlimited; no plan uses it today, overrides may.
Limits = dict[Limit, int | None]

PLANS: dict[Tier, Limits] = {
    Tier.FREE: {
        Limit.ACCOUNTS_PER_PLATFORM: 1,
        Limit.QUEUE_SIZE: 5,
        Limit.GENERATIONS_PER_DAY: 5,
        Limit.POSTS_PER_PLATFORM_PER_DAY: 2,
        Limit.AUTOMATION_RULES: 0,
        Limit.MONTHLY_CREDITS: 10,
        Limit.CARRYOVER_CAP: 0,
        Limit.MONTHLY_VIDEO_CREDITS: 2,
        Limit.VIDEO_CARRYOVER_CAP: 0,
        Limit.MEMBERS: 1,
    },
    Tier.PRO: {
        Limit.ACCOUNTS_PER_PLATFORM: 3,
        Limit.QUEUE_SIZE: 50,
        Limit.GENERATIONS_PER_DAY: 50,
        Limit.POSTS_PER_PLATFORM_PER_DAY: 10,
        Limit.AUTOMATION_RULES: 5,
        Limit.MONTHLY_CREDITS: 500,
        Limit.CARRYOVER_CAP: 250,
        Limit.MONTHLY_VIDEO_CREDITS: 30,
        Limit.VIDEO_CARRYOVER_CAP: 15,
        Limit.MEMBERS: 3,
    },
    Tier.BUSINESS: {
        Limit.ACCOUNTS_PER_PLATFORM: 10,
        Limit.QUEUE_SIZE: 200,
        Limit.GENERATIONS_PER_DAY: 200,
        Limit.POSTS_PER_PLATFORM_PER_DAY: 50,
        Limit.AUTOMATION_RULES: 20,
        Limit.MONTHLY_CREDITS: 2000,
        Limit.CARRYOVER_CAP: 1000,
        Limit.MONTHLY_VIDEO_CREDITS: 150,
        Limit.VIDEO_CARRYOVER_CAP: 75,
        Limit.MEMBERS: 10,
    },
}

# Credits are a budget, not a ceiling: "unlimited" has no meaning for them.
_MUST_BE_FINITE = {Limit.MONTHLY_CREDITS, Limit.CARRYOVER_CAP, Limit.MONTHLY_VIDEO_CREDITS, Limit.VIDEO_CARRYOVER_CAP}


def validate_tier_limits(overrides: Any) -> None:
    """Field validator for a workspace's `tier_limits`: known limit names mapped to a whole number >= 0 or null."""
    if not isinstance(overrides, Mapping):
        raise ValidationError("Tier limit overrides must be an object of limit name to number.")
    known = {limit.value for limit in Limit}
    for name, value in overrides.items():
        if name not in known:
            raise ValidationError(f"Unknown limit {name!r}; known limits: {', '.join(sorted(known))}.")
        if value is None and name in {limit.value for limit in _MUST_BE_FINITE}:
            raise ValidationError(f"{name} cannot be unlimited.")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValidationError(f"{name} must be a whole number of 0 or more, or null for unlimited.")


def resolve_limits(tier: str, overrides: Mapping[str, Any] | None = None) -> Limits:
    """The plan's limits with the workspace's overrides laid on top, one value at a time."""
    limits = dict(PLANS[Tier(tier)])
    if overrides:
        validate_tier_limits(overrides)
        for name, value in overrides.items():
            limits[Limit(name)] = value
    return limits
