"""Demo users, one per plan (their personal workspace's), with connected demo accounts, a post in every state, a
notification of every type and a paused automation rule.

Seeding is idempotent: a second run finds everything in place and changes nothing. Demo accounts are webhooks to
https://demo.invalid/ (a name that never resolves), and no demo post is ever due: scheduled ones wait a year, the
rest are in final states. So a demo install never publishes anything anywhere.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.accounts.services import create_user
from tidings.automation.models import Review
from tidings.automation.services import save_rule
from tidings.credits.services import lock_workspace
from tidings.notifications.models import Notification, NotificationType
from tidings.notifications.services import notify
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.platforms.services import connect_account, mark_reconnect_needed
from tidings.posts import publishing
from tidings.posts.lifecycle import move_targets
from tidings.posts.models import AttemptOutcome, Post, PostTarget, TargetStatus
from tidings.posts.services import cancel_post, create_post, schedule_post
from tidings.tiers.plans import Tier
from tidings.workspaces.actors import Actor
from tidings.workspaces.plan import change_tier
from tidings.workspaces.roles import Action
from tidings.workspaces.services import acting_alone

DEMO_USERS = {"demo-free": Tier.FREE, "demo-pro": Tier.PRO, "demo-business": Tier.BUSINESS}
# Connected demo accounts per plan, and how many of those need reconnecting (within each plan's limit of 1/3/10).
DEMO_ACCOUNTS = {Tier.FREE: (1, 0), Tier.PRO: (2, 1), Tier.BUSINESS: (3, 1)}
DEMO_HOOK = "https://demo.invalid/hook"
DEMO_SECRET = "demo-secret-never-used-for-real"  # noqa: S105 - signs nothing: the hook's host does not exist
SCHEDULED_AHEAD = timedelta(days=365)

# Target state -> the post's text; the text is how a second run recognises a post it already made.
DEMO_POSTS = {
    TargetStatus.DRAFT: "Demo draft: an idea for next week's announcement.",
    TargetStatus.SCHEDULED: "Demo scheduled post: it waits a year, so it never goes out.",
    TargetStatus.PUBLISHED: "Demo published post (it went to a demo address, not a real platform).",
    TargetStatus.FAILED: "Demo failed post: the platform refused it.",
    TargetStatus.SKIPPED: "Demo skipped post: the day's limit was reached.",
    TargetStatus.CANCELLED: "Demo cancelled post.",
    TargetStatus.UNCONFIRMED: "Demo unconfirmed post: sent, but no answer came.",
}


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def seed_demo(*, password: str) -> SeedReport:
    """Create (or complete) the demo users; each piece only when it is missing."""
    report = SeedReport()
    for username, tier in DEMO_USERS.items():
        user, created = _demo_user(username, tier, password)
        (report.created if created else report.kept).append(f"{username} ({tier.value})")
        owner = acting_alone(user)
        accounts = _demo_accounts(owner, tier)
        for day, (status, text) in enumerate(DEMO_POSTS.items()):
            if not Post.objects.filter(workspace=owner.workspace, text=text).exists():
                with transaction.atomic():
                    # A day each, so that even Free's two posts a day leave room for every example.
                    _demo_post(
                        owner, accounts[0], status, text, at=timezone.now() + SCHEDULED_AHEAD + timedelta(days=day)
                    )
        _demo_notifications(owner, accounts)
        _demo_rule(owner, accounts[0])
    return report


def _demo_user(username: str, tier: Tier, password: str) -> tuple[User, bool]:
    user = User.objects.filter(username=username).first()
    if user is None:
        return create_user(username, password=password, tier=tier, is_demo=True), True
    workspace = acting_alone(user).workspace
    if workspace.tier != tier:
        change_tier(workspace, tier=tier)
    if not user.check_password(password) or not user.is_demo:
        user.set_password(password)
        user.is_demo = True
        user.save(update_fields=["password", "is_demo"])
    return user, False


def _demo_accounts(owner: Actor, tier: Tier) -> list[SocialAccount]:
    count, needing_reconnect = DEMO_ACCOUNTS[tier]
    assert owner.user is not None
    username = owner.user.username
    accounts = []
    for n in range(1, count + 1):
        external_id = f"demo-{username}-{n}"
        account = SocialAccount.objects.filter(
            workspace=owner.workspace, platform=Platform.WEBHOOK, external_id=external_id
        ).first()
        if account is None:
            account = connect_account(
                owner,
                platform=Platform.WEBHOOK,
                external_id=external_id,
                handle=f"Demo hook {n} (never publishes)",
                display_name="Demo account",
                access_token=DEMO_SECRET,
                base_url=f"{DEMO_HOOK}/{username}/{n}",
            )
            if n > count - needing_reconnect:
                mark_reconnect_needed(account.pk, reason="Demo: the platform refused the saved sign-in.")
                account.refresh_from_db()
        accounts.append(account)
    return accounts


def _demo_post(owner: Actor, account: SocialAccount, status: TargetStatus, text: str, *, at: datetime) -> None:
    """Reach `status` through the services; the few moves only a publishing worker makes are made here directly,
    in the same transaction, and never with a due time."""
    post = create_post(owner, text=text, account_ids=[account.pk])
    if status == TargetStatus.DRAFT:
        return
    schedule_post(owner, post.pk, at=at)
    if status == TargetStatus.SCHEDULED:
        return
    if status == TargetStatus.CANCELLED:
        cancel_post(owner, post.pk)
        return
    target = PostTarget.objects.get(post=post)
    # As if a worker had claimed it a moment after its time (a plausible lateness on the staff dashboard).
    sent_at = timezone.now() - timedelta(seconds=3)
    with transaction.atomic():
        locked = lock_workspace(owner.workspace.pk)
        move_targets(locked, [target.pk], to=TargetStatus.QUEUED, scheduled_at=sent_at)
        move_targets(locked, [target.pk], to=TargetStatus.PUBLISHING, attempts=1, sending_since=sent_at)
        Post.objects.filter(pk=post.pk).update(scheduled_at=sent_at)
    # The evidence a real send leaves on the post (a skip never reached the platform).
    answers = {
        TargetStatus.PUBLISHED: (AttemptOutcome.PUBLISHED, ""),
        TargetStatus.FAILED: (AttemptOutcome.PERMANENT, "422: text rejected by policy"),
        TargetStatus.UNCONFIRMED: (AttemptOutcome.UNKNOWN, "No answer within 30 seconds"),
    }
    if status in answers:
        outcome, detail = answers[status]
        target.refresh_from_db()
        publishing.record_attempt(
            target, number=1, started=sent_at, began=time.monotonic() - 0.4, outcome=outcome, detail=detail
        )
    if status == TargetStatus.PUBLISHED:
        publishing.complete_publish(
            target.pk, external_id=f"demo-{target.pk}", url=f"https://demo.invalid/published/{target.pk}"
        )
        return
    if status != TargetStatus.UNCONFIRMED:
        # The platform answered: nothing is in doubt.
        PostTarget.objects.filter(pk=target.pk).update(sending_since=None)
    reasons = {
        TargetStatus.FAILED: "Demo: the platform answered 422, text rejected by policy.",
        TargetStatus.SKIPPED: "Demo: today's limit of posts to this account was reached.",
        TargetStatus.UNCONFIRMED: "Demo: the platform did not answer after the post was sent.",
    }
    publishing.end_target(target.pk, status=status, reason=reasons[status])


DEMO_RULE = "Demo: Monday tips (paused)"


def _demo_rule(owner: Actor, account: SocialAccount) -> None:
    """A rule to open and change, paused so it never writes a post (and never spends a generation) until the user
    resumes it; its posts would wait for review."""
    if owner.workspace.automation_rules.filter(name=DEMO_RULE).exists():
        return
    save_rule(
        owner,
        name=DEMO_RULE,
        schedule="0 9 * * 1",
        brief={"topic": "A practical tip for small teams that post on social media", "tone": "friendly"},
        account_ids=[account.pk],
        enabled=False,
        review=Review.REVIEW_FIRST,
    )


def _demo_notifications(owner: Actor, accounts: list[SocialAccount]) -> None:
    """One of every type the posts above did not already produce, each under a fixed key so it exists once, and
    each naming what it is about (as real ones do) so that following it leads somewhere true."""
    workspace = owner.workspace
    have = set(Notification.objects.filter(user=owner.user, workspace=workspace).values_list("type", flat=True))
    reconnect = next((a for a in accounts if a.status == AccountStatus.RECONNECT_NEEDED), None)
    draft = workspace.posts.filter(text=DEMO_POSTS[TargetStatus.DRAFT]).values_list("pk", flat=True).first()
    example = "Demo: this is how it reads when"
    examples: dict[NotificationType, tuple[str, str, dict[str, object]]] = {
        NotificationType.LOW_CREDITS: (
            "Credits are running low",
            f"{example} a fifth of the month's credits are left.",
            {"balance": "credits"},
        ),
        NotificationType.CREDITS_EXPIRING: (
            "Credits expire soon",
            f"{example} unused credits are three days from expiring at the renewal.",
            {"balance": "credits"},
        ),
        NotificationType.POST_SKIPPED: ("Post skipped", f"{example} a post is skipped.", {}),
        NotificationType.POST_FAILED: ("Post failed", f"{example} a post fails.", {}),
        NotificationType.TIER_LIMIT_REACHED: (
            "Plan limit reached",
            f"{example} a plan limit refuses something, such as a full queue of scheduled posts.",
            {"check": "can_schedule", "limit_name": "queue_size"},
        ),
        NotificationType.ACCOUNT_RECONNECT: (
            f"Reconnect {reconnect}" if reconnect else "An account needs signing in again",
            "Demo: sign in to the account again." if reconnect else f"{example} a platform refuses a saved sign-in.",
            {"account_id": reconnect.pk, "platform": reconnect.platform} if reconnect else {},
        ),
        NotificationType.RULE_FAILED: (
            "An automation rule did not schedule a post",
            f"{example} a rule's run cannot schedule the post it wrote.",
            {},
        ),
        NotificationType.POST_REVIEW: (
            "A post waits for your review",
            f"{example} an automation rule's post waits in your drafts for you to read and schedule it.",
            {"post_id": draft} if draft else {},
        ),
        NotificationType.POST_DECIDED: (
            "Your post was approved",
            f"{example} an approver decides on a post you proposed.",
            {"post_id": draft} if draft else {},
        ),
        NotificationType.POST_COMMENT: (
            "New comment on a post",
            f"{example} a teammate comments on a post you wrote.",
            {"post_id": draft} if draft else {},
        ),
        NotificationType.REPEAT_FAILED: (
            "A repeat was not scheduled",
            f"{example} a repeating post's next copy cannot be scheduled and stays a draft.",
            {"post_id": draft} if draft else {},
        ),
        NotificationType.WEBHOOK_FAILING: (
            "A webhook endpoint is failing",
            f"{example} the address your webhook events go to stops answering.",
            {},
        ),
    }
    for kind, (title, message, data) in examples.items():
        if kind not in have:
            notify(
                workspace,
                audience=AUDIENCES.get(kind, Action.SCHEDULE),
                type=kind,
                title=title,
                message=message,
                dedupe_key=f"demo:{kind}",
                data=data,
                also=owner.user,
            )


# Who each kind of notification is for, as the real ones choose (see notifications.services.notify); None: only
# the person named (a post's author hears of decisions and comments on it).
AUDIENCES: dict[NotificationType, Action | None] = {
    NotificationType.ACCOUNT_RECONNECT: Action.CONNECT,
    NotificationType.RULE_FAILED: Action.AUTOMATE,
    NotificationType.POST_REVIEW: Action.APPROVE,
    NotificationType.POST_DECIDED: None,
    NotificationType.POST_COMMENT: None,
    NotificationType.WEBHOOK_FAILING: Action.WEBHOOKS,
}
