"""Read-only summaries for the API: the credit balance, a day's usage, and the plan with what is used of it."""

from datetime import date
from typing import Any

from django.db.models import Count

from tidings.accounts.models import User
from tidings.credits.models import Balance
from tidings.credits.selectors import balance_summaries
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.tiers.checks import can_generate, can_schedule, can_use_automation
from tidings.tiers.plans import Limit
from tidings.usage.models import DailyUsage, Metric
from tidings.usage.services import local_day


def credit_summary(user: User) -> dict[str, Any]:
    """The credits (top-level fields, as before video credits) and both balances side by side."""
    balances = balance_summaries(user)
    credits = balances[Balance.CREDITS]
    return {
        "balance": credits.amount,
        "reserved": credits.reserved,
        "available": credits.available,
        "monthly_credits": credits.monthly,
        "carryover_cap": credits.carryover_cap,
        "balances": [vars(summary) for summary in balances.values()],
        "cycle_started_at": user.last_credit_reset,
        # None until the user's first cycle starts (an email address still to confirm).
        "next_renewal_at": None if user.awaiting_email_confirmation else user.next_credit_reset,
    }


def _posts_by_platform(user: User, day: date) -> dict[str, int]:
    rows = DailyUsage.objects.filter(user=user, day=day, metric=Metric.POSTS).values_list("platform", "count")
    return {platform: count for platform, count in rows if count}


def usage_summary(user: User, day: date | None = None) -> dict[str, Any]:
    """What the user did on one of their local days (today by default)."""
    day = day or local_day(user)
    generations = DailyUsage.objects.filter(user=user, day=day, metric=Metric.GENERATIONS, platform="").first()
    return {
        "day": day,
        "time_zone": user.time_zone,
        "generations": generations.count if generations else 0,
        "posts": _posts_by_platform(user, day),
    }


def plan_summary(user: User) -> dict[str, Any]:
    """The plan's limits (with the user's overrides) and how much of each is used now."""
    limits = user.limits
    usage: list[dict[str, Any]] = [
        {"name": d.limit_name.value, "limit": d.limit, "used": d.used, "platform": None}
        for d in (can_schedule(user, adding=0), can_generate(user, adding=0), can_use_automation(user, adding=0))
    ]
    connected = (
        SocialAccount.objects.filter(user=user)
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
    for platform, count in sorted(_posts_by_platform(user, local_day(user)).items()):
        limit = limits[Limit.POSTS_PER_PLATFORM_PER_DAY]
        usage.append(
            {"name": Limit.POSTS_PER_PLATFORM_PER_DAY.value, "limit": limit, "used": count, "platform": platform}
        )
    return {
        "tier": user.tier,
        "tier_name": user.get_tier_display(),
        "limits": {name.value: value for name, value in limits.items()},
        "usage": usage,
    }
