"""Making a series' repeats: a little before each one's time, a copy of the post (reworded by the AI when asked)
is scheduled as the person who set the series, so it reserves its credit then and passes every check a post
scheduled by hand would. A repeat that cannot be scheduled stays a draft with the reason, and the series goes on.

Each occurrence is claimed once (a `Repeat` row, unique per time) and made in steps that a replay finds done.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tidings.core.errors import DomainError, NotFound
from tidings.generation.services import rewrite_text
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.platforms.rules import platform_name
from tidings.posts.duplicate import duplicate_post
from tidings.posts.models import IN_QUEUE, Post, PostTarget, TargetStatus
from tidings.posts.services import schedule_post
from tidings.recurring.models import Recurrence, Repeat, RepeatOutcome
from tidings.recurring.services import REFUSE_DUPLICATES, advance
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action
from tidings.workspaces.services import acting_as

logger = logging.getLogger("tidings.recurring")
REWORD = (
    "Reword this post so it reads fresh to someone who saw it before: keep its meaning, facts, links, mentions "
    "and hashtags; change the wording."
)
# How far back a repeat's text is compared with the same account's posts.
RECENT = timedelta(days=30)
WENT_OUT = (TargetStatus.PUBLISHED, TargetStatus.UNCONFIRMED)
# Occurrences recorded as missed in one go after a long stop; the rest on the next tick.
MOST_MISSED = 100


def lead() -> timedelta:
    return timedelta(hours=settings.TIDINGS_REPEAT_LEAD_HOURS)


def due_series(*, now: datetime, limit: int = 200) -> list[int]:
    """Series whose next repeat should be made now: its time is within the lead."""
    due = Recurrence.objects.filter(next_at__isnull=False, next_at__lte=now + lead()).order_by("next_at", "pk")
    return list(due.values_list("pk", flat=True)[:limit])


def claim_repeat(recurrence_id: int, *, now: datetime) -> int | None:
    """Take the series' next occurrence (a `Repeat` to make), and move the series on. Occurrences whose time
    came before they could be made (no worker ran) are recorded as missed, never sent late; the series goes on."""
    with transaction.atomic():
        recurrence = Recurrence.objects.select_for_update().filter(pk=recurrence_id).first()
        if recurrence is None:
            return None
        for _ in range(MOST_MISSED):
            at = recurrence.next_at
            if at is None or at > now + timedelta(minutes=1):
                break
            Repeat.objects.get_or_create(
                recurrence=recurrence,
                occurs_at=at,
                defaults={"outcome": RepeatOutcome.MISSED, "reason": "Its time passed before it could be made."},
            )
            advance(recurrence, after=at)
            logger.warning("repeat.missed series=%s at=%s", recurrence.pk, at.isoformat())
        at = recurrence.next_at
        if at is None or at <= now + timedelta(minutes=1) or at > now + lead():
            return None
        repeat, _ = Repeat.objects.get_or_create(recurrence=recurrence, occurs_at=at)
        recurrence.made += 1
        advance(recurrence, after=at)
        return repeat.pk


def make_repeat(repeat_id: int) -> str:
    """Copy, reword if asked, and schedule one claimed repeat; returns its outcome. Safe to run again."""
    repeat = Repeat.objects.select_related("recurrence__workspace", "recurrence__created_by").get(pk=repeat_id)
    if repeat.outcome != RepeatOutcome.PENDING:
        return repeat.outcome
    recurrence = repeat.recurrence
    try:
        actor = _actor(recurrence)
    except DomainError as refusal:
        return _end(repeat, RepeatOutcome.MISSED, f"{refusal.message} The series has stopped.", stop=True)
    if repeat.post_id is None:
        try:
            wording = _reworded(actor, recurrence) if recurrence.rewrite else None
        except DomainError as refusal:
            wording, problem = None, f"It could not be reworded: {refusal.message}"
        else:
            problem = _duplicate_problem(recurrence, wording)
        with transaction.atomic():
            locked = Repeat.objects.select_for_update().get(pk=repeat.pk)
            if locked.post_id is None:
                locked.post = duplicate_post(actor, recurrence.post_id).post
                _apply(locked.post, wording)
                locked.save(update_fields=["post"])
            repeat = locked
        assert repeat.post_id is not None
        if problem:
            Post.objects.filter(pk=repeat.post_id).update(draft_reason=problem)
            return _end(repeat, RepeatOutcome.KEPT_AS_DRAFT, problem)
    statuses = set(PostTarget.objects.filter(post_id=repeat.post_id).values_list("status", flat=True))
    if not statuses & set(IN_QUEUE):
        try:
            schedule_post(actor, repeat.post_id, at=repeat.occurs_at)
        except DomainError as refusal:
            return _end(repeat, RepeatOutcome.KEPT_AS_DRAFT, refusal.message)
        statuses = set(PostTarget.objects.filter(post_id=repeat.post_id).values_list("status", flat=True))
    proposed = TargetStatus.AWAITING_APPROVAL in statuses
    return _end(repeat, RepeatOutcome.PROPOSED if proposed else RepeatOutcome.SCHEDULED, "")


def _actor(recurrence: Recurrence) -> Actor:
    if recurrence.created_by is None:
        raise NotFound("The person who set this series has left.")
    actor = acting_as(recurrence.created_by, recurrence.workspace_id)
    actor.require(Action.DRAFT)
    return actor


@dataclass(frozen=True)
class Wording:
    """A repeat's new words: the post's text (None: unchanged) and each account's own text by account id."""

    text: str | None
    own: dict[int, str]


def _reworded(actor: Actor, recurrence: Recurrence) -> Wording:
    """New wording for the post's text and for each account's own text (one generation each)."""
    post = recurrence.post
    platform = next(iter(post.targets.values_list("platform", flat=True)), "")
    text = rewrite_text(actor, text=post.text, instruction=REWORD, platform=platform).text if post.text else None
    own = {
        target.account_id: rewrite_text(
            actor, text=target.text_override, instruction=REWORD, platform=target.platform
        ).text
        for target in post.targets.exclude(text_override="")
    }
    return Wording(text, own)


def _apply(post: Post, wording: Wording | None) -> None:
    if wording is None:
        return
    if wording.text is not None:
        Post.objects.filter(pk=post.pk).update(text=wording.text)
    for account_id, text in wording.own.items():
        PostTarget.objects.filter(post=post, account_id=account_id).update(text_override=text)


def _same(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _duplicate_problem(recurrence: Recurrence, wording: Wording | None) -> str:
    """Why an account whose platform refuses duplicates would refuse this repeat, or "": its text matches one
    of that account's posts that went out in the last 30 days or wait to."""
    post = recurrence.post
    since = timezone.now() - RECENT
    for target in post.targets.filter(platform__in=REFUSE_DUPLICATES).select_related("account"):
        text = (wording.own.get(target.account_id) if wording else None) or target.text_override
        text = text or (wording.text if wording and wording.text is not None else post.text)
        recent = PostTarget.objects.filter(account_id=target.account_id).filter(
            Q(status__in=IN_QUEUE) | Q(status__in=WENT_OUT, published_at__gte=since)
        )
        for other_text, other_own in recent.values_list("post__text", "text_override"):
            if _same(other_own or other_text) == _same(text):
                return (
                    f"{target.account} already has this text from the last 30 days, and "
                    f"{platform_name(target.platform)} refuses duplicates."
                )
    return ""


def _end(repeat: Repeat, outcome: str, reason: str, *, stop: bool = False) -> str:
    recurrence = repeat.recurrence
    with transaction.atomic():
        Repeat.objects.filter(pk=repeat.pk, outcome=RepeatOutcome.PENDING).update(outcome=outcome, reason=reason[:500])
        if reason:
            updates: dict[str, object] = {"last_error": reason[:500]}
            if stop:
                updates["next_at"] = None
            Recurrence.objects.filter(pk=recurrence.pk).update(**updates)
            notify(
                recurrence.workspace,
                audience=Action.SCHEDULE,
                also=recurrence.created_by,
                type=NotificationType.REPEAT_FAILED,
                title="A repeat was not scheduled",
                message=reason,
                dedupe_key=f"repeat:{repeat.pk}",
                data={"post_id": repeat.post_id or recurrence.post_id},
            )
    logger.info("repeat.made series=%s repeat=%s outcome=%s", recurrence.pk, repeat.pk, outcome)
    return outcome
