"""Publishing one target, step by step: claim, begin, send, and end as published, failed, skipped or unconfirmed.

These are plain services; the durable workflow in `tidings.jobs` calls them as steps and keeps only retries and
waits. Steps run at least once, so every state change goes through `move_targets` (which moves a target only from
the state it expects) and sending reuses the target's idempotency key. Every call to the platform leaves a
`PublishAttempt` row and one structured log line.
"""

import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tidings.accounts.models import User
from tidings.credits.alerts import check_low_credits
from tidings.credits.services import lock_target_owner
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.platforms.base import (
    Connector,
    Content,
    OutcomeUnknown,
    Published,
    PublishFailure,
    RateLimited,
    ReauthRequired,
    StillProcessing,
    ThreadPart,
    TransientError,
)
from tidings.platforms.media import MediaItem
from tidings.platforms.models import AccountStatus
from tidings.platforms.registry import connector_for
from tidings.platforms.renewal import renew_for_publish
from tidings.platforms.rules import platform_name
from tidings.platforms.services import mark_reconnect_needed
from tidings.platforms.validation import validate_content
from tidings.posts import budgets
from tidings.posts.lifecycle import move_targets
from tidings.posts.models import (
    IN_FLIGHT,
    AttemptOutcome,
    MediaAsset,
    PostTarget,
    PublishAttempt,
    TargetStatus,
    is_web_address,
)
from tidings.tagging.selectors import target_tags
from tidings.tagging.utm import tag_content
from tidings.tiers.checks import accounts_over_plan, local_day_start, over_plan_reason
from tidings.tiers.plans import Limit
from tidings.usage.models import DailyUsage, Metric
from tidings.usage.services import add_usage, local_day
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

logger = logging.getLogger("tidings.publish")

OutcomeKind = Literal["published", "transient", "rate_limited", "auth", "permanent", "unknown", "processing"]


@dataclass(frozen=True)
class Outcome:
    """What one send attempt came to; plain data, so a durable workflow can record it."""

    kind: OutcomeKind
    message: str = ""
    external_id: str = ""
    url: str = ""
    # Seconds to wait: a rate limit's Retry-After, or when to check again on media still processing.
    retry_after: float = 0.0
    # Published, but not quite as asked (`Published.notice`): shown with the published target.
    notice: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.TIDINGS_PUBLISH_LEASE_SECONDS)


def log_decision(target: PostTarget | int, *, platform: str, attempt: int, outcome: str, duration_ms: int = 0) -> None:
    """The one log line per publish decision, for operators: ids and outcomes only, never tokens or post text."""
    target_id = target if isinstance(target, int) else target.pk
    fields = {"target": target_id, "platform": platform, "attempt": attempt, "outcome": outcome}
    fields["duration_ms"] = duration_ms
    logger.info(
        "publish.decision %s", " ".join(f"{key}={value}" for key, value in fields.items()), extra={"publish": fields}
    )


# Serialises claims across worker processes on PostgreSQL, so two dispatch ticks that overlap cannot both count the
# same room in a quota window. SQLite's IMMEDIATE transactions already serialise every writer.
CLAIM_LOCK_KEY = 0x7469_6469


def claim_due_targets(*, now: datetime | None = None, limit: int = 500) -> list[tuple[int, str, int]]:
    """Move due targets that fit their platform's quotas from scheduled to queued; return (id, platform, dispatch
    round) of each one claimed. A target whose account (or platform) has no room left in a window stays scheduled
    for a later tick, while other accounts' targets go ahead (`tidings.posts.budgets`).

    Targets overdue beyond the late window (the worker was down) are skipped instead, with the reason.
    """
    now = now or timezone.now()
    too_late = now - timedelta(seconds=settings.TIDINGS_LATE_WINDOW_SECONDS)
    overdue = PostTarget.objects.filter(status=TargetStatus.SCHEDULED, scheduled_at__lt=too_late)
    for target_id in overdue.values_list("pk", flat=True)[:limit]:
        end_target(target_id, status=TargetStatus.SKIPPED, reason=_late_reason("was due while publishing was stopped"))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK_KEY])
        due = PostTarget.objects.filter(status=TargetStatus.SCHEDULED, scheduled_at__lte=now)
        picked = budgets.pick_due(due, now=now, limit=limit)
        ids = [row[0] for row in picked]
        if connection.features.has_select_for_update_skip_locked:
            # A target an unschedule or a cancel holds is left alone rather than waited for.
            rows = PostTarget.objects.filter(pk__in=ids).select_for_update(skip_locked=True)
            ids = list(rows.values_list("pk", flat=True))
        # Scheduled to queued holds the same credit, so it needs no owner's lock: the row locks order it against
        # an unschedule or a cancel, and only the rows still scheduled move.
        moved = {
            m.target_id
            for m in move_targets(
                None, ids, to=TargetStatus.QUEUED, only_from=(TargetStatus.SCHEDULED,), locked_until=_lease(now)
            )
        }
    return [row for row in picked if row[0] in moved]


def _late_reason(why: str) -> str:
    minutes = settings.TIDINGS_LATE_WINDOW_SECONDS // 60
    return f"Not published: it {why}, and is now later than {minutes} minutes past its time."


def _too_late_to_resume(target: PostTarget, now: datetime) -> bool:
    """A wait for processing resumed beyond the late window (the workers were down meanwhile) is not published so
    late, as a due post would not be; a post the platform already has (`sent`), or a thread partly out (`done`),
    is only ever finished or settled."""
    progress = target.progress or {}
    if not progress or progress.get("sent") or progress.get("done") or target.scheduled_at is None:
        return False
    return target.scheduled_at < now - timedelta(seconds=settings.TIDINGS_LATE_WINDOW_SECONDS)


def stale_targets(*, now: datetime | None = None, limit: int = 500) -> list[tuple[int, str, int]]:
    """Targets whose workflow has held them past the lease: to be driven again under the same workflow id."""
    now = now or timezone.now()
    stale = PostTarget.objects.filter(status__in=IN_FLIGHT, locked_until__lt=now).order_by("locked_until")
    found = list(stale.values_list("pk", "platform", "dispatch_round")[:limit])
    PostTarget.objects.filter(pk__in=[row[0] for row in found]).update(locked_until=_lease(now))
    return found


def extend_lease(target_id: int, *, seconds: float) -> None:
    """Keep a target from looking stale while its workflow waits (a rate limit's retry-after, a backoff)."""
    until = timezone.now() + timedelta(seconds=seconds + settings.TIDINGS_PUBLISH_LEASE_SECONDS)
    PostTarget.objects.filter(pk=target_id, status__in=IN_FLIGHT).update(locked_until=until)


# What `target_content` reads beside the target, in the same query: its post and account with their link tagging.
WITH_CONTENT = ("post", "account", "post__tagging", "account__tagging")


@dataclass(frozen=True)
class Begin:
    action: Literal["publish", "skip", "fail", "done"]
    reason: str = ""
    # The first attempt: nothing was ever sent for this target before this step.
    first: bool = False
    # When publishing: the target as read under the lock (with its post and account) and its content, so the send
    # that follows in the same step need not read them again.
    target: PostTarget | None = None
    content: Content | None = None


def begin_publish(target_id: int, *, now: datetime | None = None) -> Begin:
    """Check the target, its account, the plan and the daily limit, and mark it publishing; or say why not.

    The first attempt also marks a send as started (`sending_since`) in the same transaction, so a crash between
    here and the platform's answer is seen as a send in doubt when the step runs again.
    """
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        try:
            workspace, _ = lock_target_owner(target_id)
        except Workspace.DoesNotExist:  # the target's post was deleted
            return Begin("done", "The post was deleted.")
        # Read after the lock, so a change committed by its previous holder (a cancel, say) is seen.
        target = PostTarget.objects.select_related(*WITH_CONTENT).get(pk=target_id)
        if target.status not in IN_FLIGHT:
            return Begin("done", f"Target is {target.status}")
        connector = connector_for(target.platform)
        if target.status == TargetStatus.PUBLISHING:
            if _too_late_to_resume(target, now):
                return Begin("skip", _late_reason(f"was still processing on {target.account.get_platform_display()}"))
            if target.progress:
                # A check resumed from the queue: its lease runs from now, not from when the wait began.
                PostTarget.objects.filter(pk=target_id).update(locked_until=_lease(now))
            content = target_content(target) if connector is not None else None
            return Begin("publish", target=target, content=content)
        account = target.account
        if account.status != AccountStatus.ACTIVE:
            why = account.status_reason or account.get_status_display()
            return Begin("skip", f"{account} cannot be used: {why}. Reconnect it, then retry this post.")
        if account.pk in accounts_over_plan(workspace, platform=target.platform):
            return Begin("skip", f"{account}: {over_plan_reason(workspace, target.platform)}")
        if connector is None:
            return Begin("fail", f"Publishing to {target.platform} is not available on this server.")
        content = target_content(target)
        problems = validate_content(connector, account, content)
        if problems:
            return Begin("fail", " ".join(problems))
        limit = workspace.limits[Limit.POSTS_PER_PLATFORM_PER_DAY]
        if limit is not None and _posts_counted_today(workspace, target.platform, now) >= limit:
            return Begin(
                "skip",
                f"Today's limit of {limit} posts to {account.get_platform_display()} on the "
                f"{workspace.get_tier_display()} plan was reached.",
            )
        fields: dict[str, Any] = {
            "attempts": target.attempts + 1,
            "locked_until": _lease(now),
            "sending_since": now,
            "updated_at": now,
        }
        move_targets(workspace, [target_id], to=TargetStatus.PUBLISHING, only_from=(TargetStatus.QUEUED,), **fields)
        target.status = TargetStatus.PUBLISHING
        for name, value in fields.items():
            setattr(target, name, value)
    return Begin("publish", first=True, target=target, content=content)


def _posts_counted_today(workspace: Workspace, platform: str, now: datetime) -> int:
    """Posts that count against today's limit: published today plus those being published for today, in one query.

    A target stuck in flight counts toward the day it was due, never toward later days. Exact only under the
    workspace's lock, which every begin and completion holds."""
    today = local_day(workspace, now)
    published = DailyUsage.objects.filter(
        workspace=workspace, day=today, metric=Metric.POSTS, platform=platform
    ).values("count")[:1]
    in_flight = PostTarget.objects.filter(
        post__workspace=workspace,
        platform=platform,
        status=TargetStatus.PUBLISHING,
        scheduled_at__gte=local_day_start(workspace, today),
    )
    counted = in_flight.aggregate(
        total=Count("pk") + Coalesce(Subquery(published, output_field=IntegerField()), Value(0))
    )
    return int(counted["total"])


def media_item(asset: MediaAsset) -> MediaItem:
    """A stored file as connectors (and the composer's previews) see it."""
    return MediaItem(
        path=asset.file.name,
        kind=asset.kind,
        mime_type=asset.mime_type,
        size_bytes=asset.size_bytes,
        width=asset.width,
        height=asset.height,
        duration_seconds=asset.duration_seconds,
        alt_text=asset.alt_text,
    )


def target_content(target: PostTarget, *, tagged: bool = True) -> Content:
    """What goes out for this target: its text, the post's link and media in order, the hand-written thread parts
    with their own files, the first comment and this platform's options; its links tagged with the UTM tags its
    account and post ask for (`tagged=False`: as the user wrote them)."""
    post = target.post
    by_part: dict[int, list[MediaItem]] = {}
    for asset in post.media.all():
        by_part.setdefault(asset.part, []).append(media_item(asset))
    parts = tuple(
        ThreadPart(text=text, media=tuple(by_part.get(number, ())))
        for number, text in enumerate(post.thread_parts or [], start=1)
    )
    content = Content(
        text=target.text,
        link=post.link,
        media=tuple(by_part.get(0, ())),
        scheduled_at=target.scheduled_at,
        parts=parts,
        first_comment=post.first_comment,
        options=dict(target.options or {}),
        progress=dict(target.progress or {}),
    )
    return tag_content(content, target_tags(target)) if tagged else content


def record_attempt(
    target: PostTarget, *, number: int, started: datetime, began: float, outcome: str, detail: str = ""
) -> None:
    """Keep the evidence of one call to the platform and write its log line."""
    duration_ms = max(0, round((time.monotonic() - began) * 1000))
    PublishAttempt.objects.create(
        target_id=target.pk,
        number=number,
        started_at=started,
        duration_ms=duration_ms,
        outcome=outcome,
        detail=detail[:500],
    )
    log_decision(target, platform=target.platform, attempt=number, outcome=outcome, duration_ms=duration_ms)


def send_target(
    target_id: int, *, first: bool = False, target: PostTarget | None = None, content: Content | None = None
) -> Outcome:
    """One attempt to publish. A send whose answer never came is checked (or safely repeated) before resending.

    `first` is True right after `begin_publish` marked the first send; any other attempt looks at `sending_since`
    to learn whether an earlier send is still in doubt. `target` and `content` are what `begin_publish` returned
    in the same step; without them they are read here.
    """
    if target is None:
        target = PostTarget.objects.select_related(*WITH_CONTENT).get(pk=target_id)
    if target.status != TargetStatus.PUBLISHING:
        return Outcome("permanent", f"Target is {target.status}, not publishing.")
    connector = connector_for(target.platform)
    if connector is None:
        return Outcome("permanent", f"Publishing to {target.platform} is not available on this server.")
    content = content or target_content(target)
    key = str(target.idempotency_key)
    # A send resumed after "still processing" carries on the same attempt; when the platform already has the post
    # (`sent`), the connector only asks its status, so the earlier send is not looked for or repeated.
    resuming = bool(content.progress)
    sent_before = resuming and bool(content.progress.get("sent"))
    earlier_send_unresolved = not first and target.sending_since is not None and not sent_before
    if earlier_send_unresolved:
        if connector.capabilities.can_find_published:
            found = look_up_earlier_send(target, content)
            if found is not None:
                return found
        elif not connector.capabilities.idempotent_publish:
            return Outcome("unknown", "An earlier attempt may have been published; the platform cannot tell us.")
    number = target.attempts if first or resuming else target.attempts + 1
    started, began = timezone.now(), time.monotonic()
    if not first and not sent_before:
        PostTarget.objects.filter(pk=target_id).update(sending_since=started, attempts=number)
        target.attempts = number
    try:
        published = _publish(connector, target, content, key)
    except StillProcessing as waiting:
        return _still_processing(target, waiting, number=number, started=started, began=began)
    except PublishFailure as error:
        outcome = outcome_for(error)
    else:
        record_attempt(
            target,
            number=number,
            started=started,
            began=began,
            outcome=AttemptOutcome.PUBLISHED,
            detail=published.notice[:500],
        )
        return Outcome("published", external_id=published.external_id, url=published.url, notice=published.notice)
    record_attempt(target, number=number, started=started, began=began, outcome=outcome.kind, detail=outcome.message)
    if sent_before and outcome.kind != "unknown":
        # The platform had the post and says it failed: nothing went out, and a retry starts afresh.
        PostTarget.objects.filter(pk=target_id).update(sending_since=None, progress={})
        return outcome
    if outcome.kind == "unknown":
        return outcome
    if not earlier_send_unresolved and not sent_before:
        # This attempt was answered, so nothing is in doubt; an earlier unanswered send stays in doubt.
        PostTarget.objects.filter(pk=target_id).update(sending_since=None)
    return outcome


def _still_processing(
    target: PostTarget, waiting: StillProcessing, *, number: int, started: datetime, began: float
) -> Outcome:
    """Keep what the send made for the next check. Unless the post already exists there (`sent`), nothing is
    public yet, so no send is in doubt meanwhile."""
    fields: dict[str, Any] = {"progress": waiting.progress}
    if not waiting.sent:
        fields["sending_since"] = None
    PostTarget.objects.filter(pk=target.pk, status=TargetStatus.PUBLISHING).update(**fields)
    record_attempt(
        target, number=number, started=started, began=began, outcome=AttemptOutcome.PROCESSING, detail=waiting.message
    )
    return Outcome("processing", waiting.message, retry_after=waiting.check_after)


def _publish(connector: Connector, target: PostTarget, content: Content, key: str) -> Published:
    """Publish, renewing the account's tokens first when they are found expired or are refused: only a renewal
    the platform refuses ends in "reconnect needed" (raised as ReauthRequired by `renew_for_publish`)."""
    account, now = target.account, timezone.now()
    expired = account.token_expires_at is not None and account.token_expires_at <= now
    if expired and connector.can_refresh(account, now=now):
        account = target.account = renew_for_publish(account, stale_token=account.access_token)
    try:
        return connector.publish(account, content, idempotency_key=key)
    except ReauthRequired as error:
        # A refused token sent nothing: after a renewal the post is sent once more.
        if not error.refreshable or not connector.can_refresh(account, now=timezone.now()):
            raise
    account = target.account = renew_for_publish(account, stale_token=account.access_token)
    return connector.publish(account, content, idempotency_key=key)


def look_up_earlier_send(target: PostTarget, content: Content) -> Outcome | None:
    """Ask the platform whether the earlier, unanswered send went out: an outcome when that settles it or when
    the lookup itself failed (then the send stays in doubt and is never repeated before it answers); None when
    the post is not there and sending is safe."""
    connector = connector_for(target.platform)
    assert connector is not None
    started, began = timezone.now(), time.monotonic()
    try:
        found = connector.find_published(
            target.account,
            idempotency_key=str(target.idempotency_key),
            content=content,
            sent_after=target.sending_since,
        )
    except PublishFailure as error:
        failed = outcome_for(error)
        record_attempt(
            target,
            number=target.attempts,
            started=started,
            began=began,
            outcome=failed.kind,
            detail=error.message,
        )
        return failed if failed.kind in ("rate_limited", "auth") else Outcome("unknown", error.message)
    if found is None:
        record_attempt(target, number=target.attempts, started=started, began=began, outcome=AttemptOutcome.NOT_FOUND)
        return None
    detail = f"{found.url} {found.notice}".strip()
    record_attempt(
        target, number=target.attempts, started=started, began=began, outcome=AttemptOutcome.FOUND, detail=detail
    )
    return Outcome("published", external_id=found.external_id, url=found.url, notice=found.notice)


def outcome_for(error: PublishFailure) -> Outcome:
    """A connector's classified error as the outcome the workflow acts on."""
    if isinstance(error, OutcomeUnknown):
        return Outcome("unknown", error.message)
    if isinstance(error, RateLimited):
        return Outcome("rate_limited", error.message, retry_after=error.retry_after)
    if isinstance(error, ReauthRequired):
        return Outcome("auth", error.message)
    if isinstance(error, TransientError):
        return Outcome("transient", error.message)
    return Outcome("permanent", error.message)


def content_problems(target: PostTarget) -> list[str]:
    """Why this target's content cannot go out on its platform (the connector's own rules); empty when it can."""
    connector = connector_for(target.platform)
    if connector is None:
        return [f"Publishing to {target.platform} is not available on this server."]
    content = target_content(target)
    problems = validate_content(connector, target.account, content)
    if problems:
        plain = target_content(target, tagged=False)
        if content != plain and not validate_content(connector, target.account, plain):
            problems.append(TAGGING_HINT)
    return problems


# Said when only the tagged links put a post over a platform's rules, so the count the user sees makes sense.
TAGGING_HINT = "That counts the UTM tags added to its links: shorten the text, or turn link tagging off for this post."


def has_unresolved_send(target_id: int) -> bool:
    """A send whose answer never came: the post may exist on the platform even though later attempts failed."""
    return PostTarget.objects.filter(pk=target_id, sending_since__isnull=False).exists()


def can_resend_after_unknown(target_id: int) -> bool:
    """Whether a send in doubt may be looked for and sent again. Not when the platform already has the post and is
    processing it (TikTok): its status settles it later, from the unconfirmed checks."""
    platform, progress = PostTarget.objects.values_list("platform", "progress").get(pk=target_id)
    connector = connector_for(platform)
    if connector is None or (progress or {}).get("sent"):
        return False
    return connector.capabilities.idempotent_publish or connector.capabilities.can_find_published


def complete_publish(target_id: int, *, external_id: str, url: str = "", notice: str = "") -> bool:
    """Published: in one transaction mark it, consume its credit and count the day's usage. Idempotent.

    `notice` says how it went out otherwise than asked (a video the platform locked private, a first comment that
    failed): kept as the target's error, and the workspace is told, while the post counts as published."""
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        workspace, platform = lock_target_owner(target_id)
        moved = move_targets(
            workspace,
            [target_id],
            to=TargetStatus.PUBLISHED,
            reason=f"Published to {platform}",
            external_id=external_id[:255],
            external_url=url[:2000] if is_web_address(url) else "",
            published_at=now,
            sending_since=None,
            locked_until=None,
            progress={},
            error=notice[:2000],
        )
        if not moved:
            return False
        add_usage(workspace, metric=Metric.POSTS, platform=platform, day=local_day(workspace, now))
        check_low_credits(workspace)
        if notice:
            notify(
                workspace,
                audience=Action.SCHEDULE,
                also=_author_of(target_id),
                type=NotificationType.POST_FAILED,
                title=f"Your post to {platform_name(platform)} went out, not quite as asked",
                message=notice[:2000],
                dedupe_key=f"comment:{target_id}",
                data={"target_id": target_id, "platform": platform},
            )
    return True


def end_target(
    target_id: int,
    *,
    status: TargetStatus,
    reason: str,
) -> str:
    """End a target that will not be published, and say how it ended (or "" when it had already ended).

    The ending rule lives here: a target whose send is unresolved (a request that got no answer) ends
    *unconfirmed*, keeping its credit for the user or a lookup to settle, whatever the failure that followed;
    otherwise it ends failed or skipped with its credit returned. Idempotent.
    """
    if status not in (TargetStatus.FAILED, TargetStatus.SKIPPED, TargetStatus.UNCONFIRMED):
        raise ValueError(f"{status} is not an ending.")
    with transaction.atomic():
        try:
            workspace, _ = lock_target_owner(target_id)
        except Workspace.DoesNotExist:  # the target's post was deleted
            return ""
        target = PostTarget.objects.select_related("account", "post__author").get(pk=target_id)
        if target.sending_since is not None and target.status == TargetStatus.PUBLISHING:
            if status != TargetStatus.UNCONFIRMED:
                reason = f"{reason} An earlier attempt got no answer, so the post may have been published."
            status = TargetStatus.UNCONFIRMED
        if status == TargetStatus.UNCONFIRMED:
            moved = move_targets(workspace, [target_id], to=status, error=reason, locked_until=None)
        else:
            moved = move_targets(
                workspace,
                [target_id],
                to=status,
                reason=reason,
                error=reason,
                sending_since=None,
                locked_until=None,
                progress={},
            )
        if not moved:
            return ""
        _notify_ending(workspace, target, status, reason)
        log_decision(target, platform=target.platform, attempt=target.attempts, outcome=str(status))
    return str(status)


def _notify_ending(workspace: Workspace, target: PostTarget, status: str, reason: str) -> None:
    """Tell those who schedule the workspace's posts, and the post's author, how a target ended."""
    data = {"target_id": target.pk, "post_id": target.post_id, "platform": target.platform}
    author = target.post.author
    if status == TargetStatus.UNCONFIRMED:
        notify(
            workspace,
            audience=Action.SCHEDULE,
            also=author,
            type=NotificationType.POST_FAILED,
            title=f"Check whether your post to {target.account} went out",
            message=f'{reason} Look at the account, then mark the post as "it went out" or "it did not go out".',
            dedupe_key=f"unconfirmed:{target.pk}:{target.attempts}",
            data=data,
        )
        return
    failed = status == TargetStatus.FAILED
    notify(
        workspace,
        audience=Action.SCHEDULE,
        also=author,
        type=NotificationType.POST_FAILED if failed else NotificationType.POST_SKIPPED,
        title=f"Post to {target.account} {'failed' if failed else 'skipped'}",
        message=f"{reason} Your text and media are kept; the credit was returned.",
        dedupe_key=f"{status}:{target.pk}:{target.attempts}",
        data=data,
    )


def _author_of(target_id: int) -> User | None:
    return User.objects.filter(posts__targets__pk=target_id).first()


def mark_account_for_reconnect(target_id: int, *, reason: str) -> None:
    account_id = PostTarget.objects.values_list("account_id", flat=True).get(pk=target_id)
    mark_reconnect_needed(account_id, reason=reason)
