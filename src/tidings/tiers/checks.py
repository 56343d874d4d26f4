"""The five plan checks. Each reads the current count and returns a Decision; none changes anything.

Callers that act on an allowed decision run the check inside the same transaction that holds the user's lock, so
the count cannot move between the check and the action.
"""

from dataclasses import dataclass
from datetime import datetime

from tidings.accounts.models import User
from tidings.automation.models import AutomationRule
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.posts.models import IN_QUEUE, Post
from tidings.tiers.plans import Limit
from tidings.usage.models import Metric
from tidings.usage.services import local_day, usage_on


@dataclass(frozen=True)
class Decision:
    check: str
    limit_name: Limit
    allowed: bool
    limit: int | None
    used: int
    tier: str
    reason: str
    platform: str = ""

    def details(self) -> dict[str, object]:
        """What a refusal tells the UI and the API."""
        details: dict[str, object] = {
            "check": self.check,
            "limit_name": self.limit_name.value,
            "limit": self.limit,
            "used": self.used,
            "tier": self.tier,
        }
        if self.platform:
            details["platform"] = self.platform
        return details


def _decide(
    user: User,
    check: str,
    limit_name: Limit,
    used: int,
    adding: int,
    refusal: str,
    *,
    feature: str,
    platform: str = "",
) -> Decision:
    limit = user.limits[limit_name]
    allowed = limit is None or used + adding <= limit
    tier = user.get_tier_display()
    if allowed:
        reason = f"{used} of {'unlimited' if limit is None else limit} used on the {tier} plan."
    elif limit == 0:
        reason = f"{feature} is not part of the {tier} plan. Upgrade to use it."
    else:
        reason = f"{refusal}: {used} of {limit} used on the {tier} plan."
    return Decision(check, limit_name, allowed, limit, used, user.tier, reason, platform)


def _platform_label(platform: str) -> str:
    return Platform(platform).label if platform in Platform.values else platform


def can_connect(user: User, *, platform: str) -> Decision:
    used = SocialAccount.objects.filter(user=user, platform=platform).exclude(status=AccountStatus.DISCONNECTED).count()
    return _decide(
        user,
        "can_connect",
        Limit.ACCOUNTS_PER_PLATFORM,
        used,
        1,
        f"Connected {_platform_label(platform)} accounts are at the limit",
        feature=f"Connecting {_platform_label(platform)} accounts",
        platform=platform,
    )


def queue_size(user: User) -> int:
    """Posts scheduled and not yet published: any target still waiting to go out keeps the post in the queue."""
    return Post.objects.filter(user=user, targets__status__in=IN_QUEUE).distinct().count()


def can_schedule(user: User, *, adding: int = 1) -> Decision:
    return _decide(
        user,
        "can_schedule",
        Limit.QUEUE_SIZE,
        queue_size(user),
        adding,
        "Your queue of scheduled posts is full",
        feature="Scheduling posts",
    )


def can_generate(user: User, *, at: datetime | None = None, adding: int = 1) -> Decision:
    used = usage_on(user, metric=Metric.GENERATIONS, day=local_day(user, at))
    return _decide(
        user,
        "can_generate",
        Limit.GENERATIONS_PER_DAY,
        used,
        adding,
        "Today's AI generations are used up",
        feature="Writing posts with AI",
    )


def can_post(user: User, *, platform: str, at: datetime | None = None) -> Decision:
    used = usage_on(user, metric=Metric.POSTS, day=local_day(user, at), platform=platform)
    return _decide(
        user,
        "can_post",
        Limit.POSTS_PER_PLATFORM_PER_DAY,
        used,
        1,
        f"Today's posts to {_platform_label(platform)} are used up",
        feature=f"Publishing to {_platform_label(platform)}",
        platform=platform,
    )


def can_use_automation(user: User, *, adding: int = 1) -> Decision:
    used = AutomationRule.objects.filter(user=user, enabled=True).count()
    return _decide(
        user,
        "can_use_automation",
        Limit.AUTOMATION_RULES,
        used,
        adding,
        "Enabled automation rules are at the limit",
        feature="Automation",
    )
