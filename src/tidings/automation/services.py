"""Automation rules: standing briefs that write and schedule posts on a schedule, within every plan limit."""

from contextlib import suppress
from dataclasses import asdict, fields
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.automation.models import AutomationRule
from tidings.automation.schedule import check_schedule, next_run
from tidings.core.errors import DomainError, InvalidInput, NotFound
from tidings.credits.services import lock_user
from tidings.generation.brief import Brief, clean_brief
from tidings.generation.drafts import Draft
from tidings.generation.services import generate_posts
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.posts.models import Post, PostTarget
from tidings.posts.services import schedule_post
from tidings.tiers.checks import can_use_automation
from tidings.tiers.services import TierLimitReached, refuse

# A rule's post goes out this long after it was written, so the dispatcher's next tick picks it up.
PUBLISH_AFTER = timedelta(seconds=30)


def _brief(data: dict[str, Any]) -> Brief:
    known = {f.name for f in fields(Brief)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"The brief has fields that are not part of a brief: {', '.join(unknown)}.", field="brief")
    values = {name: data[name] for name in known if name in data}
    return clean_brief(Brief(**{"topic": "", **values, "hashtags": tuple(data.get("hashtags", ()))}))


def _accounts(user: User, account_ids: list[int]) -> list[SocialAccount]:
    accounts = list(SocialAccount.objects.filter(user=user, pk__in=set(account_ids)))
    if not account_ids or len(accounts) != len(set(account_ids)):
        raise InvalidInput("Choose at least one of your connected accounts.", field="account_ids")
    return accounts


def get_rule(user: User, rule_id: int) -> AutomationRule:
    try:
        return AutomationRule.objects.get(pk=rule_id, user=user)
    except AutomationRule.DoesNotExist:
        raise NotFound("No such automation rule.") from None


def save_rule(
    user: User,
    *,
    name: str,
    schedule: str,
    brief: dict[str, Any],
    account_ids: list[int],
    enabled: bool = False,
    rule_id: int | None = None,
) -> AutomationRule:
    """Create or edit a rule. Enabling it counts against the plan's enabled rules; a refusal changes nothing."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("Give the rule a name of up to 200 characters.", field="name")
    schedule = check_schedule(schedule)
    cleaned = asdict(_brief(brief))
    accounts = _accounts(user, account_ids)
    try:
        with transaction.atomic():
            locked = lock_user(user.pk)
            rule = AutomationRule(user=user) if rule_id is None else get_rule(user, rule_id)
            if enabled and not rule.enabled:
                decision = can_use_automation(locked)
                if not decision.allowed:
                    raise TierLimitReached(decision)
            rule.name, rule.schedule, rule.brief, rule.enabled = name, schedule, cleaned, enabled
            rule.next_run_at = next_run(schedule, after=timezone.now(), time_zone=locked.time_zone) if enabled else None
            rule.save()
            rule.accounts.set(accounts)
    except TierLimitReached as refusal:
        refuse(user, refusal.decision)
    return rule


def set_rule_enabled(user: User, rule_id: int, *, enabled: bool) -> AutomationRule:
    """Pause or resume a rule."""
    rule = get_rule(user, rule_id)
    return save_rule(
        user,
        name=rule.name,
        schedule=rule.schedule,
        brief=rule.brief,
        account_ids=list(rule.accounts.values_list("pk", flat=True)),
        enabled=enabled,
        rule_id=rule.pk,
    )


def claim_due_rules(*, now: datetime | None = None, limit: int = 500) -> list[tuple[int, datetime]]:
    """Rules whose time has come, each claimed once by moving its next run on; returns (rule id, run time)."""
    now = now or timezone.now()
    claimed = []
    due = AutomationRule.objects.filter(enabled=True, next_run_at__lte=now).select_related("user")[:limit]
    for rule in due:
        run_at = rule.next_run_at
        assert run_at is not None
        following = next_run(rule.schedule, after=now, time_zone=rule.user.time_zone)
        moved = AutomationRule.objects.filter(pk=rule.pk, next_run_at=run_at).update(
            next_run_at=following, last_run_at=now
        )
        if moved:
            claimed.append((rule.pk, run_at))
    return claimed


def check_rule_may_run(rule_id: int) -> AutomationRule:
    """The rule, if it is enabled and the owner's plan still allows it; otherwise a DomainError saying why."""
    rule = AutomationRule.objects.select_related("user").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("The automation rule no longer exists.")
    if not rule.enabled:
        raise InvalidInput("The rule is paused.", field="enabled")
    decision = can_use_automation(rule.user, adding=0)
    if not decision.allowed:
        refuse(rule.user, decision)
    return rule


def write_rule_posts(rule_id: int) -> list[dict[str, Any]]:
    """Ask the user's AI provider for one draft per platform of the rule's accounts (counts as generations)."""
    rule = check_rule_may_run(rule_id)
    platforms = sorted(set(rule.accounts.exclude(status=AccountStatus.DISCONNECTED).values_list("platform", flat=True)))
    if not platforms:
        raise InvalidInput("None of the rule's accounts is connected any more.", field="account_ids")
    drafts = generate_posts(rule.user, brief=_brief(rule.brief), platforms=platforms)
    return [asdict(draft) for draft in drafts]


def schedule_rule_post(rule_id: int, *, run_at: datetime, drafts: list[dict[str, Any]]) -> Post:
    """Create the run's post with each platform's draft and schedule it; once per rule and run time.

    A refusal (queue full, no credits) leaves the post a draft with the reason, as any other post.
    """
    rule = check_rule_may_run(rule_id)
    by_platform = {draft["platform"]: Draft(**{**draft, "parts": tuple(draft["parts"])}) for draft in drafts}
    accounts = [a for a in rule.accounts.filter(status=AccountStatus.ACTIVE) if a.platform in by_platform]
    existing = Post.objects.filter(automation_rule=rule, automation_run_at=run_at).first()
    if existing is not None:
        return existing
    first = next(iter(by_platform.values()))
    try:
        with transaction.atomic():
            post = Post.objects.create(
                user=rule.user,
                text=first.text,
                link=rule.brief.get("link", ""),
                automation_rule=rule,
                automation_run_at=run_at,
            )
            PostTarget.objects.bulk_create(
                PostTarget(
                    post=post,
                    account=account,
                    platform=account.platform,
                    text_override=by_platform[account.platform].text
                    if by_platform[account.platform].text != first.text
                    else "",
                )
                for account in accounts
            )
    except IntegrityError:
        return Post.objects.get(automation_rule=rule, automation_run_at=run_at)
    # A refusal leaves the post a draft with the reason recorded on it.
    with suppress(DomainError):
        schedule_post(rule.user, post.pk, at=timezone.now() + PUBLISH_AFTER)
    post.refresh_from_db()
    return post
