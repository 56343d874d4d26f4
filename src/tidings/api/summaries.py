"""Read-only summaries for the API of a workspace: the credit balance, a day's usage, and the plan with what is
used of it."""

from datetime import date
from typing import Any

from django.db.models import Count

from tidings.credits.models import Balance
from tidings.credits.selectors import balance_summaries
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.tiers.checks import can_generate, can_schedule, can_use_automation
from tidings.tiers.plans import Limit
from tidings.usage.models import DailyUsage, Metric
from tidings.usage.services import local_day
from tidings.workspaces.models import Workspace


def credit_summary(workspace: Workspace) -> dict[str, Any]:
    """The credits (top-level fields, as before video credits) and both balances side by side."""
    balances = balance_summaries(workspace)
    credits = balances[Balance.CREDITS]
    return {
        "balance": credits.amount,
        "reserved": credits.reserved,
        "available": credits.available,
        "monthly_credits": credits.monthly,
        "carryover_cap": credits.carryover_cap,
        "balances": [vars(summary) for summary in balances.values()],
        "cycle_started_at": workspace.last_credit_reset,
        # None until the workspace's first cycle starts (its owner's email address still to confirm).
        "next_renewal_at": None if workspace.awaiting_first_cycle else workspace.next_credit_reset,
    }


def _posts_by_platform(workspace: Workspace, day: date) -> dict[str, int]:
    rows = DailyUsage.objects.filter(workspace=workspace, day=day, metric=Metric.POSTS).values_list("platform", "count")
    return {platform: count for platform, count in rows if count}


def usage_summary(workspace: Workspace, day: date | None = None) -> dict[str, Any]:
    """What the workspace did on one of its local days (today by default)."""
    day = day or local_day(workspace)
    generations = DailyUsage.objects.filter(
        workspace=workspace, day=day, metric=Metric.GENERATIONS, platform=""
    ).first()
    return {
        "day": day,
        "time_zone": workspace.time_zone,
        "generations": generations.count if generations else 0,
        "posts": _posts_by_platform(workspace, day),
    }


def plan_summary(workspace: Workspace) -> dict[str, Any]:
    """The plan's limits (with the workspace's overrides) and how much of each is used now."""
    limits = workspace.limits
    usage: list[dict[str, Any]] = [
        {"name": d.limit_name.value, "limit": d.limit, "used": d.used, "platform": None}
        for d in (
            can_schedule(workspace, adding=0),
            can_generate(workspace, adding=0),
            can_use_automation(workspace, adding=0),
        )
    ]
    connected = (
        SocialAccount.objects.filter(workspace=workspace)
        .exclude(status=AccountStatus.DISCONNECTED)
        .values("platform")
        .annotate(n=Count("id"))
        .order_by("platform")
    )
    for row in connected:
        usage.append(
            {
                "name": Limit.ACCOUNTS_PER_PLATFORM.value,
                "limit": limits[Limit.ACCOUNTS_PER_PLATFORM],
                "used": row["n"],
                "platform": row["platform"],
            }
        )
    for platform, count in sorted(_posts_by_platform(workspace, local_day(workspace)).items()):
        limit = limits[Limit.POSTS_PER_PLATFORM_PER_DAY]
        usage.append(
            {"name": Limit.POSTS_PER_PLATFORM_PER_DAY.value, "limit": limit, "used": count, "platform": platform}
        )
    return {
        "tier": workspace.tier,
        "tier_name": workspace.get_tier_display(),
        "limits": {name.value: value for name, value in limits.items()},
        "usage": usage,
    }
