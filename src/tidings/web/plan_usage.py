"""The Plan page's reads: every limit in words with what is used of it now, this cycle's ledger in short, and the
plans side by side, so what an upgrade changes is plain."""

from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils import timezone

from tidings.credits.models import Balance, CreditLedgerEntry, LedgerKind
from tidings.platforms.models import AccountStatus
from tidings.platforms.rules import platform_name
from tidings.tiers.checks import Decision, can_generate, can_plan_post, can_schedule, can_use_automation
from tidings.tiers.plans import PLANS, Limit, Tier
from tidings.workspaces.models import Workspace

# Each limit as a person would say it, and what counts against it.
LIMIT_WORDS: dict[Limit, tuple[str, str]] = {
    Limit.QUEUE_SIZE: (
        "Scheduled posts in the queue",
        "Posts waiting to go out. A post to several accounts counts once; it leaves the queue once it is out.",
    ),
    Limit.POSTS_PER_PLATFORM_PER_DAY: (
        "Posts a day on each platform",
        "Published and planned posts per platform on each day of your time zone.",
    ),
    Limit.GENERATIONS_PER_DAY: ("AI generations a day", "Each draft written with AI; counted again from midnight."),
    Limit.ACCOUNTS_PER_PLATFORM: (
        "Connected accounts on each platform",
        "Disconnecting an account frees its place.",
    ),
    Limit.AUTOMATION_RULES: ("Automation rules switched on", "Rules that write and schedule posts on their own."),
    Limit.MONTHLY_CREDITS: ("Credits each month", "One pays for one published post on one account."),
    Limit.CARRYOVER_CAP: ("Credits carried into the next month, at most", "Unused credits beyond this expire."),
    Limit.MONTHLY_VIDEO_CREDITS: ("Video credits each month", "A post with a video spends one instead of a credit."),
    Limit.VIDEO_CARRYOVER_CAP: (
        "Video credits carried into the next month, at most",
        "Unused video credits beyond this expire.",
    ),
}
# The order the plan page and the comparison list them in.
ORDER = list(LIMIT_WORDS)


@dataclass(frozen=True)
class Usage:
    """One line of "what you use now": the limit's name in words, used of limit, and for which platform."""

    limit_name: str
    label: str
    used: int
    limit: int | None
    platform: str = ""

    @property
    def full(self) -> bool:
        return self.limit is not None and self.used >= self.limit


def limit_label(limit: Limit, value: int | None) -> str:
    return "Unlimited" if value is None else f"{value:,}"


def usage(workspace: Workspace, platforms: list[str], accounts_per_platform: dict[str, int]) -> list[Usage]:
    """What is used now of each limit that counts something, per platform where the limit is per platform."""
    decisions: list[tuple[str, Decision]] = [
        ("Scheduled posts in the queue", can_schedule(workspace)),
        ("AI generations today", can_generate(workspace)),
        ("Automation rules switched on", can_use_automation(workspace, adding=0)),
    ]
    rows = [Usage(d.limit_name.value, label, d.used, d.limit) for label, d in decisions]
    now = timezone.now()
    for platform in platforms:
        today = can_plan_post(workspace, platform=platform, at=now)
        name = platform_name(platform)
        rows.append(Usage(today.limit_name.value, f"Posts to {name} today", today.used, today.limit, platform))
    account_limit = workspace.limits[Limit.ACCOUNTS_PER_PLATFORM]
    for platform in platforms:
        rows.append(
            Usage(
                Limit.ACCOUNTS_PER_PLATFORM.value,
                f"{platform_name(platform)} accounts connected",
                accounts_per_platform.get(platform, 0),
                account_limit,
                platform,
            )
        )
    return rows


def connected_per_platform(workspace: Workspace) -> dict[str, int]:
    active = workspace.social_accounts.exclude(status=AccountStatus.DISCONNECTED)
    return dict(active.order_by().values("platform").annotate(n=Count("pk")).values_list("platform", "n"))


@dataclass(frozen=True)
class LedgerLine:
    kind: str
    label: str
    credits: int
    video_credits: int


def cycle_ledger(workspace: Workspace) -> list[LedgerLine]:
    """This cycle's ledger, summed per kind of entry and balance (one grouped query)."""
    rows = (
        CreditLedgerEntry.objects.filter(workspace=workspace, created_at__gte=workspace.last_credit_reset)
        .order_by()
        .values("kind", "balance")
        .annotate(total=Sum("amount"))
        .values_list("kind", "balance", "total")
    )
    totals: dict[tuple[str, str], int] = {(kind, balance): total or 0 for kind, balance, total in rows}
    return [
        LedgerLine(
            kind.value,
            kind.label,
            totals.get((kind.value, Balance.CREDITS.value), 0),
            totals.get((kind.value, Balance.VIDEO_CREDITS.value), 0),
        )
        for kind in LedgerKind
        if (kind.value, Balance.CREDITS.value) in totals or (kind.value, Balance.VIDEO_CREDITS.value) in totals
    ]


def recent_ledger(workspace: Workspace, count: int = 8) -> list[CreditLedgerEntry]:
    return list(CreditLedgerEntry.objects.filter(workspace=workspace).order_by("-created_at", "-pk")[:count])


@dataclass(frozen=True)
class Comparison:
    limit_name: str
    label: str
    hint: str
    values: list[tuple[str, str]]  # (tier, the limit on it), in Tier order
    yours: str  # this workspace's value (overrides included)


def comparison(workspace: Workspace) -> list[Comparison]:
    """Each limit on every plan, beside the workspace's own (which an override may change)."""
    return [
        Comparison(
            limit.value,
            LIMIT_WORDS[limit][0],
            LIMIT_WORDS[limit][1],
            [(tier.value, limit_label(limit, PLANS[tier][limit])) for tier in Tier],
            limit_label(limit, workspace.limits[limit]),
        )
        for limit in ORDER
    ]
