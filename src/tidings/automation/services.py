"""Automation rules: standing briefs that write and schedule posts on a schedule, within every plan limit."""

from collections.abc import Mapping
from dataclasses import asdict, fields, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tidings.automation.errors import RulePaused
from tidings.automation.feed_fetch import check_feed_url
from tidings.automation.models import AutomationRule, FeedMode, Review, RunOutcome
from tidings.automation.schedule import check_schedule, next_run
from tidings.core.errors import DomainError, InvalidInput, NotFound
from tidings.credits.services import lock_workspace
from tidings.generation.brief import Brief, clean_brief
from tidings.generation.drafts import Draft
from tidings.generation.services import generate_posts
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.platforms.options import clean_platform_options
from tidings.posts.models import Post, PostTarget
from tidings.posts.services import schedule_post
from tidings.tiers.checks import Decision, can_use_automation
from tidings.tiers.plans import Limit
from tidings.tiers.services import TierLimitReached, refuse
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

# A rule's post goes out this long after it was written, so the dispatcher's next tick picks it up.
PUBLISH_AFTER = timedelta(seconds=30)
EVENT = "automation/rule.execute"


def _brief(data: dict[str, Any], *, feed: bool = False) -> Brief:
    """The rule's brief, checked; a feed rule's topic may be empty (each item is what its post is about)."""
    known = {f.name for f in fields(Brief)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"The brief has fields that are not part of a brief: {', '.join(unknown)}.", field="brief")
    values = {name: data[name] for name in known if name in data}
    brief = Brief(**{"topic": "", **values, "hashtags": tuple(data.get("hashtags", ()))})
    if feed and not brief.topic.strip():
        return replace(clean_brief(replace(brief, topic="-")), topic="")
    return clean_brief(brief)


def _accounts(workspace: Workspace, account_ids: list[int]) -> list[SocialAccount]:
    accounts = list(SocialAccount.objects.filter(workspace=workspace, pk__in=set(account_ids)))
    if not account_ids or len(accounts) != len(set(account_ids)):
        raise InvalidInput("Choose at least one of your connected accounts.", field="account_ids")
    return accounts


def get_rule(workspace: Workspace, rule_id: int) -> AutomationRule:
    """One of the workspace's rules; NotFound for any other."""
    try:
        return AutomationRule.objects.get(pk=rule_id, workspace=workspace)
    except AutomationRule.DoesNotExist:
        raise NotFound("No such automation rule.") from None


def save_rule(
    actor: Actor,
    *,
    name: str,
    schedule: str,
    brief: dict[str, Any],
    account_ids: list[int],
    enabled: bool = False,
    review: str = Review.NONE,
    platform_options: Mapping[str, Mapping[str, Any]] | None = None,
    feed_url: str | None = None,
    feed_mode: str | None = None,
    rule_id: int | None = None,
) -> AutomationRule:
    """Create or edit a rule. Enabling it counts against the plan's enabled rules; a refusal changes nothing.
    `platform_options` (keyed by platform, checked as a post's) go on every post the rule writes; a `feed_url`
    makes the rule post the feed's new items instead, checked on its schedule; None keeps a rule's own."""
    actor.require(Action.AUTOMATE)
    workspace = actor.workspace
    if rule_id is not None:
        get_rule(workspace, rule_id)  # another workspace's rule is absent, before anything about the input is said
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("Give the rule a name of up to 200 characters.", field="name")
    if review not in Review.values:
        raise InvalidInput(f"Review is one of: {', '.join(Review.values)}.", field="review")
    schedule = check_schedule(schedule)
    if feed_mode is not None and feed_mode not in FeedMode.values:
        raise InvalidInput(f"The feed mode is one of: {', '.join(FeedMode.values)}.", field="feed_mode")
    if feed_url is not None:
        feed_url = check_feed_url(feed_url, schedule=schedule)
    elif rule_id is not None:
        feed_url = get_rule(workspace, rule_id).feed_url
    cleaned = asdict(_brief(brief, feed=bool(feed_url)))
    accounts = _accounts(workspace, account_ids)
    options = None if platform_options is None else clean_platform_options(platform_options)
    try:
        with transaction.atomic():
            locked = lock_workspace(workspace.pk)
            rule = AutomationRule(workspace=workspace) if rule_id is None else get_rule(workspace, rule_id)
            if enabled and not rule.enabled:
                decision = can_use_automation(locked)
                if not decision.allowed:
                    raise TierLimitReached(decision)
            rule.name, rule.schedule, rule.brief, rule.enabled = name, schedule, cleaned, enabled
            rule.review = review
            if options is not None:
                rule.platform_options = options
            if feed_url != rule.feed_url:  # another feed (or none): its first fetch starts afresh
                rule.feed_url, rule.feed_etag, rule.feed_last_modified = feed_url or "", "", ""
                rule.feed_fetched_at, rule.last_feed_error = None, ""
                if rule.pk:
                    rule.feed_items.filter(post__isnull=True, skipped=False).update(skipped=True)
            rule.feed_mode = feed_mode or rule.feed_mode
            rule.next_run_at = next_run(schedule, after=timezone.now(), time_zone=locked.time_zone) if enabled else None
            rule.save()
            rule.accounts.set(accounts)
    except TierLimitReached as refusal:
        refuse(workspace, refusal.decision, by=actor.user)
    return rule


def set_rule_enabled(actor: Actor, rule_id: int, *, enabled: bool) -> AutomationRule:
    """Pause or resume a rule."""
    actor.require(Action.AUTOMATE)
    rule = get_rule(actor.workspace, rule_id)
    return save_rule(
        actor,
        name=rule.name,
        schedule=rule.schedule,
        brief=rule.brief,
        account_ids=list(rule.accounts.values_list("pk", flat=True)),
        enabled=enabled,
        review=rule.review,
        rule_id=rule.pk,
    )


def delete_rule(actor: Actor, rule_id: int) -> None:
    """Delete one of the workspace's rules. The posts it wrote stay, no longer linked to it; a run already under
    way finds the rule gone and writes nothing more."""
    actor.require(Action.AUTOMATE)
    get_rule(actor.workspace, rule_id).delete()


def _may_automate(workspace: Workspace) -> Decision:
    # A plan without automation refuses every run, a manual one of a paused rule too; a plan with it lets its
    # enabled rules run while they are within the limit (a downgrade can leave more enabled than it allows).
    adding = 1 if workspace.limits[Limit.AUTOMATION_RULES] == 0 else 0
    return can_use_automation(workspace, adding=adding)


def connected_platforms(rule: AutomationRule) -> list[str]:
    return sorted(set(rule.accounts.exclude(status=AccountStatus.DISCONNECTED).values_list("platform", flat=True)))


def run_rule_now(actor: Actor, rule_id: int) -> str:
    """Start one run of the rule now, paused or not (a manual run does not enable it); returns the run's workflow
    id. Refused upfront, with the reason, when the plan has no automation or none of its accounts is connected."""
    from tidings.jobs.events import send

    actor.require(Action.AUTOMATE)
    rule = get_rule(actor.workspace, rule_id)
    decision = _may_automate(actor.workspace)
    if not decision.allowed:
        refuse(actor.workspace, decision, by=actor.user)
    if not connected_platforms(rule):
        raise InvalidInput(
            "None of this rule's accounts is connected any more: reconnect one or choose another.",
            field="account_ids",
        )
    return send(EVENT, {"rule_id": rule.pk, "manual": True})


def claim_due_rules(*, now: datetime | None = None, limit: int = 500) -> list[tuple[int, datetime]]:
    """Rules whose time has come, each claimed once by moving its next run on; returns (rule id, run time)."""
    now = now or timezone.now()
    claimed = []
    due = AutomationRule.objects.filter(enabled=True, next_run_at__lte=now).select_related("workspace")[:limit]
    for rule in due:
        run_at = rule.next_run_at
        assert run_at is not None
        following = next_run(rule.schedule, after=now, time_zone=rule.workspace.time_zone)
        moved = AutomationRule.objects.filter(pk=rule.pk, next_run_at=run_at).update(
            next_run_at=following, last_run_at=now
        )
        if moved:
            claimed.append((rule.pk, run_at))
    return claimed


def check_rule_may_run(rule_id: int, *, manual: bool = False) -> AutomationRule:
    """The rule, if it is enabled (or run by hand) and its workspace's plan still allows it; otherwise a
    DomainError saying why."""
    rule = AutomationRule.objects.select_related("workspace").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("The automation rule no longer exists.")
    if not rule.enabled and not manual:
        raise RulePaused("The rule is paused.", field="enabled")
    decision = _may_automate(rule.workspace)
    if not decision.allowed:
        refuse(rule.workspace, decision)
    return rule


def write_rule_posts(rule_id: int, *, manual: bool = False) -> list[dict[str, Any]]:
    """Ask the workspace's AI provider for one draft per platform of the rule's accounts (counts as generations);
    the rule writes as Tidings itself, not as any member."""
    rule = check_rule_may_run(rule_id, manual=manual)
    platforms = connected_platforms(rule)
    if not platforms:
        raise InvalidInput("None of the rule's accounts is connected any more.", field="account_ids")
    drafts = generate_posts(Actor.system(rule.workspace), brief=_brief(rule.brief), platforms=platforms)
    return [asdict(draft) for draft in drafts]


def last_outcome(rule_id: int) -> str:
    """What the rule's last finished run did (a RunOutcome value; empty when it never ran or is gone)."""
    return AutomationRule.objects.filter(pk=rule_id).values_list("last_outcome", flat=True).first() or ""


def schedule_rule_post(rule_id: int, *, run_at: datetime, drafts: list[dict[str, Any]], manual: bool = False) -> Post:
    """Create the run's post with each platform's draft and schedule it; once per rule and run time.

    A rule set to review first proposes the post instead: it waits for a member who approves posts, its credits
    and queue place held, and they are told. A refusal (queue full, no credits) leaves the post a draft with the
    reason, as any other post, and notifies the members who manage rules once per rule and cause. The run's outcome
    is recorded on the rule. The post has no author: Tidings wrote it.
    """
    rule = check_rule_may_run(rule_id, manual=manual)
    post = Post.objects.filter(automation_rule=rule, automation_run_at=run_at).first()
    if post is not None:
        return post
    try:
        with transaction.atomic():
            post = create_rule_post(rule, drafts, link=rule.brief.get("link", ""), run_at=run_at)
    except IntegrityError:
        return Post.objects.get(automation_rule=rule, automation_run_at=run_at)
    return schedule_rule_draft(rule, post, run_at=run_at)


def create_rule_post(rule: AutomationRule, drafts: list[dict[str, Any]], *, link: str, run_at: datetime | None) -> Post:
    """The post a rule wrote, a draft with one target per active account on a platform it has a draft for."""
    by_platform = {draft["platform"]: Draft(**{**draft, "parts": tuple(draft["parts"])}) for draft in drafts}
    accounts = [a for a in rule.accounts.filter(status=AccountStatus.ACTIVE) if a.platform in by_platform]
    first = next(iter(by_platform.values()))
    post = Post.objects.create(
        workspace=rule.workspace, text=first.text, link=link, automation_rule=rule, automation_run_at=run_at
    )
    texts = {platform: draft.text for platform, draft in by_platform.items()}
    PostTarget.objects.bulk_create(
        PostTarget(
            post=post,
            account=account,
            platform=account.platform,
            text_override="" if texts[account.platform] == first.text else texts[account.platform],
            options=(rule.platform_options or {}).get(account.platform, {}),
        )
        for account in accounts
    )
    return post


def schedule_rule_draft(
    rule: AutomationRule, post: Post, *, run_at: datetime | None, at: datetime | None = None
) -> Post:
    """Schedule the rule's new post (at `at`, else a moment from now) or propose it for review, and record the
    outcome on the rule; a refusal keeps it a draft with the reason and notifies once per cause."""
    waits = rule.review == Review.REVIEW_FIRST
    try:
        schedule_post(Actor.system(rule.workspace), post.pk, at=at or timezone.now() + PUBLISH_AFTER, propose=waits)
    except DomainError as refusal:
        record_rule_failure(rule.pk, refusal, run_at=run_at, post=post)
    else:
        _record(rule, RunOutcome.REVIEW if waits else RunOutcome.SCHEDULED, run_at=run_at, post=post)
    post.refresh_from_db()
    return post


def _record(rule: AutomationRule, outcome: RunOutcome, *, run_at: datetime | None, post: Post | None) -> None:
    """A run that did what it should: its outcome on the rule, and the end of any run of failures."""
    AutomationRule.objects.filter(pk=rule.pk).update(
        last_outcome=outcome,
        last_error="",
        last_post=post,
        last_run_at=run_at or timezone.now(),
        failure_cause="",
        failing_since=None,
    )


def _cause(refusal: DomainError) -> str:
    detail = refusal.details.get("check") or refusal.details.get("field") or ""
    return f"{refusal.code}:{detail}" if detail else refusal.code


def record_rule_failure(
    rule_id: int, refusal: DomainError, *, run_at: datetime | None = None, post: Post | None = None
) -> None:
    """Show on the rule why its run did not schedule a post, and tell the members who manage rules: once per rule
    and cause until a run works again. A rule that is gone or paused has nothing to report. Safe to repeat (a
    step runs at least once)."""
    if isinstance(refusal, NotFound | RulePaused):
        return
    cause = _cause(refusal)[:100]
    with transaction.atomic():
        rule = AutomationRule.objects.select_for_update().select_related("workspace").filter(pk=rule_id).first()
        if rule is None:
            return
        rule.failing_since = rule.failing_since or timezone.now()
        rule.failure_cause = cause
        rule.last_outcome = RunOutcome.DRAFT if post is not None else RunOutcome.FAILED
        rule.last_error = refusal.message[:500]
        rule.last_post = post
        rule.last_run_at = run_at or timezone.now()
        rule.save(
            update_fields=[
                "failing_since",
                "failure_cause",
                "last_outcome",
                "last_error",
                "last_post",
                "last_run_at",
                "updated_at",
            ]
        )
    kept = " The post it wrote waits in your drafts." if post is not None else ""
    notify(
        rule.workspace,
        audience=Action.AUTOMATE,
        type=NotificationType.RULE_FAILED,
        title=f"“{rule.name}” did not schedule a post"[:200],
        message=f"{refusal.message}{kept}",
        dedupe_key=f"rule_failed:{rule.pk}:{cause}:{rule.failing_since.isoformat()}"[:200],
        data={
            "rule_id": rule.pk,
            "cause": cause,
            **({"post_id": post.pk} if post is not None else {}),
        },
    )
