"""What needs attention on the dashboard, read from the current state (never from notifications, which record what
happened once and stay behind when it is over): each item with the one action that deals with it.

Each kind is one bounded query, whatever the number of posts.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from tidings.automation.models import FAILURES, AutomationRule
from tidings.credits.alerts import EXPIRY_WARNING_DAYS, credits_to_expire, is_low
from tidings.credits.models import balance_label
from tidings.credits.selectors import BalanceSummary
from tidings.notifications.links import queue_entry_url
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.tiers.checks import Decision
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action, Role, allows

# How far back a failed or skipped post still asks for attention; older ones stay in the queue's problems.
RECENT_DAYS = 14
# The queue asks for attention from this share of its limit.
QUEUE_NEAR_FULL_PERCENT = 80
SHOWN_PER_KIND = 3


@dataclass(frozen=True)
class Attention:
    """One thing that needs someone in the workspace, with the one action that deals with it."""

    kind: str
    level: str  # a Tabler colour: red for what is broken, orange or yellow for what is about to be
    icon: str
    title: str
    text: str
    action: str
    url: str


def attention(
    workspace: Workspace,
    *,
    credits: BalanceSummary,
    video_credits: BalanceSummary,
    queue: Decision,
    accounts: list[SocialAccount],
    checklist_shown: bool = False,
    role: Role = Role.OWNER,
) -> list[Attention]:
    """Everything in the workspace that needs someone now, the most urgent first. While the first-run checklist is
    shown, the steps it lists (connect an account, confirm the email address) are left to it."""
    items: list[Attention] = []
    if not checklist_shown and not [a for a in accounts if a.status != AccountStatus.DISCONNECTED]:
        items.append(
            Attention(
                "connect",
                "blue",
                "plug-connected",
                "Connect an account",
                "Posts go out through a connected account: connect one to start scheduling.",
                "Connect an account",
                reverse("connections"),
            )
        )
    items += [
        Attention(
            "reconnect",
            "red",
            "plug",
            f"Reconnect {account}",
            f"{account.status_reason or 'The platform no longer accepts the saved sign-in.'} Posts to it are skipped "
            "until you sign in again.",
            "Reconnect",
            f"{reverse('connections')}#account-{account.pk}",
        )
        for account in accounts
        if account.status == AccountStatus.RECONNECT_NEEDED
    ]
    items += _target_items(workspace)
    items += _rule_items(workspace)
    items += _draft_items(workspace)
    items += _proposal_items(workspace)
    if workspace.awaiting_first_cycle:
        if not checklist_shown:
            items.append(
                Attention(
                    "confirm",
                    "yellow",
                    "mail",
                    "Confirm your email address",
                    "Your plan's credits arrive once you follow the link we emailed you.",
                    "Send the link again",
                    reverse("confirm-email-pending"),
                )
            )
    else:
        items += _credit_items(workspace, credits) + _credit_items(workspace, video_credits)
    items += _queue_items(workspace, queue)
    # Each item asks for something; a member whose role cannot do it is not asked (a viewer fixes nothing).
    return [item for item in items if allows(role, NEEDED.get(item.kind, Action.VIEW))]


NEEDED = {
    "connect": Action.CONNECT,
    "reconnect": Action.CONNECT,
    "unconfirmed": Action.SCHEDULE,
    TargetStatus.FAILED.value: Action.SCHEDULE,
    TargetStatus.SKIPPED.value: Action.SCHEDULE,
    "rule": Action.AUTOMATE,
    "draft": Action.DRAFT,
    "review": Action.APPROVE,
    "queue": Action.SCHEDULE,
}


def _queue_items(workspace: Workspace, queue: Decision) -> list[Attention]:
    if queue.limit is None or queue.used * 100 < queue.limit * QUEUE_NEAR_FULL_PERCENT:
        return []
    full = queue.used >= queue.limit
    return [
        Attention(
            "queue",
            "red" if full else "yellow",
            "list-details",
            f"Your queue is {'full' if full else 'nearly full'}: {queue.used} of {queue.limit} scheduled posts",
            "New posts are kept as drafts until a place frees up (a post goes out, or you cancel one)."
            if full
            else f"{queue.limit - queue.used} more can be scheduled on the {workspace.get_tier_display()} plan.",
            "Open the queue",
            f"{reverse('queue')}?show=scheduled",
        )
    ]


def _target_items(workspace: Workspace) -> list[Attention]:
    """Sends in doubt (however old: only a person can settle them), and posts that failed or were skipped lately."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    targets = PostTarget.objects.filter(
        post__workspace=workspace, status=TargetStatus.UNCONFIRMED
    ) | PostTarget.objects.filter(
        post__workspace=workspace, status__in=(TargetStatus.FAILED, TargetStatus.SKIPPED), updated_at__gte=since
    )
    counts = dict(targets.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    shown: list[PostTarget] = []
    for status in (TargetStatus.UNCONFIRMED, TargetStatus.FAILED, TargetStatus.SKIPPED):
        if counts.get(status):
            latest = targets.filter(status=status).select_related("account").order_by("-updated_at", "-pk")
            shown += latest[:SHOWN_PER_KIND]
    items = []
    for target in shown:
        url = queue_entry_url(target.pk, target.post_id)
        if target.status == TargetStatus.UNCONFIRMED:
            items.append(
                Attention(
                    "unconfirmed",
                    "yellow",
                    "help-circle",
                    f"Did your post to {target.account} go out?",
                    "It was sent, but the platform never answered. Look at the account and say whether it is there.",
                    "Say whether it went out",
                    url,
                )
            )
        else:
            failed = target.status == TargetStatus.FAILED
            items.append(
                Attention(
                    str(target.status),
                    "red" if failed else "orange",
                    "alert-circle" if failed else "clock-pause",
                    f"Post to {target.account} {'failed' if failed else 'was skipped'}",
                    f"{target.error or 'It did not go out.'} The text is kept; retry it or pick another time.",
                    "Retry or reschedule",
                    url,
                )
            )
    more = sum(max(0, count - SHOWN_PER_KIND) for count in counts.values())
    if more:
        items.append(
            Attention(
                "more-problems",
                "secondary",
                "list-details",
                f"{more} more post{'s' if more > 1 else ''} to look at",
                "All of them are in the queue, with what happened to each.",
                "See them all",
                f"{reverse('queue')}?show=problems",
            )
        )
    return items


def _rule_items(workspace: Workspace) -> list[Attention]:
    """Rules switched on whose last run did not schedule its post: each says why on its own page."""
    failing = AutomationRule.objects.filter(workspace=workspace, enabled=True, last_outcome__in=FAILURES).order_by(
        "-last_run_at", "pk"
    )[:SHOWN_PER_KIND]
    return [
        Attention(
            "rule",
            "red",
            "robot",
            f"“{rule.name}” did not schedule its last post",
            rule.last_error or "Its last run did not schedule a post.",
            "Open the rule",
            reverse("automation-edit", args=[rule.pk]),
        )
        for rule in failing
    ]


def _draft_items(workspace: Workspace) -> list[Attention]:
    """Drafts that a refusal kept (the text is safe, and the reason says what to change before scheduling again)."""
    drafts = Post.objects.filter(workspace=workspace, scheduled_at__isnull=True)  # a post without a time is a draft
    kept = drafts.exclude(draft_reason="").order_by("-updated_at", "-pk").only("pk", "text", "draft_reason")
    return [
        Attention(
            "draft",
            "orange",
            "edit",
            f"Kept as a draft: “{_short(post.text)}”",
            post.draft_reason,
            "Schedule it",
            reverse("post-edit", args=[post.pk]),
        )
        for post in kept[:SHOWN_PER_KIND]
    ]


def _proposal_items(workspace: Workspace) -> list[Attention]:
    """Posts proposed for approval, for those who approve: their credits are held until someone decides."""
    waiting = (
        Post.objects.filter(workspace=workspace, targets__status=TargetStatus.AWAITING_APPROVAL)
        .distinct()
        .select_related("author", "automation_rule")
        .order_by("scheduled_at", "pk")
    )
    items = []
    for post in waiting[:SHOWN_PER_KIND]:
        who = (
            post.author.username
            if post.author
            else f"the rule “{post.automation_rule}”"
            if post.automation_rule
            else "Tidings"
        )
        items.append(
            Attention(
                "review",
                "pink",
                "clock",
                f"“{_short(post.text)}” waits for your approval",
                f"Proposed by {who}; its credits are held until you decide.",
                "Decide",
                f"{reverse('queue')}#post-{post.pk}",
            )
        )
    return items


def _short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _credit_items(workspace: Workspace, summary: BalanceSummary) -> list[Attention]:
    monthly = summary.monthly or 0
    noun = balance_label(summary.balance)
    renews = timezone.localtime(workspace.next_credit_reset, workspace.zone)
    renewal = f"{renews:%-d %B %Y}"
    items = []
    if summary.available <= 0 and monthly > 0:
        items.append(
            Attention(
                f"{summary.balance}-empty",
                "red",
                "coin",
                f"No {noun} left",
                f"Posts that need {noun} are kept as drafts until they renew on {renewal}.",
                "See your plan",
                f"{reverse('plan')}#credits",
            )
        )
    elif is_low(summary.available, monthly):
        items.append(
            Attention(
                f"{summary.balance}-low",
                "yellow",
                "coin",
                f"{noun.capitalize()} are running low: {summary.available} of {monthly} left",
                f"They renew on {renewal}.",
                "See your plan",
                f"{reverse('plan')}#credits",
            )
        )
    losing = credits_to_expire(workspace, summary.available, summary.balance)
    if losing and workspace.next_credit_reset <= timezone.now() + timedelta(days=EXPIRY_WARNING_DAYS):
        items.append(
            Attention(
                f"{summary.balance}-expiring",
                "orange",
                "clock",
                f"{losing} {balance_label(summary.balance, losing)} expire on {renewal}",
                "Unused ones beyond what carries over are lost at the renewal. Schedule posts before then to use them.",
                "Write a post",
                reverse("compose"),
            )
        )
    return items
