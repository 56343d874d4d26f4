"""What the landing page shows: the plans side by side, the platforms this server publishes to, and the demo
accounts when there are any."""

from dataclasses import dataclass

from tidings.platforms.config import is_available
from tidings.platforms.models import Platform
from tidings.tiers.plans import PLANS, Limit, Tier
from tidings.workspaces.models import Workspace

# The limits a visitor compares plans by, in their words.
PLAN_ROWS = [
    (Limit.MONTHLY_CREDITS, "credits a month (one per post and account)"),
    (Limit.QUEUE_SIZE, "posts scheduled at once"),
    (Limit.ACCOUNTS_PER_PLATFORM, "accounts per network"),
    (Limit.POSTS_PER_PLATFORM_PER_DAY, "posts per network a day"),
    (Limit.GENERATIONS_PER_DAY, "AI drafts a day"),
    (Limit.AUTOMATION_RULES, "automation rules"),
    (Limit.MONTHLY_VIDEO_CREDITS, "video credits a month"),
]


@dataclass(frozen=True)
class PlanColumn:
    tier: str
    name: str
    rows: list[tuple[str, str]]
    featured: bool


def plan_columns() -> list[PlanColumn]:
    columns = []
    for tier in Tier:
        limits = PLANS[tier]
        rows = [("unlimited" if limits[limit] is None else f"{limits[limit]:,}", label) for limit, label in PLAN_ROWS]
        columns.append(PlanColumn(tier.value, tier.name.title(), rows, featured=tier == Tier.PRO))
    return columns


def landing_context() -> dict[str, object]:
    return {
        "plans": plan_columns(),
        "platforms": [(p.value, p.label) for p in Platform if is_available(p)],
        # Each demo person's own workspace: its plan, credits and zone are what the table shows.
        "demo_workspaces": Workspace.objects.filter(personal_owner__is_demo=True)
        .select_related("personal_owner")
        .order_by("credits", "personal_owner__username"),
    }
