"""Publishing one target, step by step: claim, begin, send, and finish as published, failed, skipped or unconfirmed.

These are plain services; the durable workflow in `tidings.jobs` calls them as steps. Steps run at least once, so
every write here is conditional on the state it expects, and sending reuses the target's idempotency key.
"""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tidings.accounts.models import User
from tidings.credits.alerts import check_low_credits, is_low
from tidings.credits.models import ReservationStatus
from tidings.credits.services import available_credits, lock_target_owner, lock_user, settle_target_reservations
from tidings.notifications.models import Notification, NotificationType
from tidings.notifications.services import notify
from tidings.platforms.base import (
    Content,
    OutcomeUnknown,
    PublishFailure,
    RateLimited,
    ReauthRequired,
    TransientError,
)
from tidings.platforms.media import MediaItem
from tidings.platforms.models import AccountStatus
from tidings.platforms.registry import connector_for
from tidings.platforms.services import mark_reconnect_needed
from tidings.posts.models import IN_FLIGHT, PostTarget, TargetStatus
from tidings.tiers.plans import Limit
from tidings.usage.models import DailyUsage, Metric
from tidings.usage.services import add_usage, local_day

OutcomeKind = Literal["published", "transient", "rate_limited", "auth", "permanent", "unknown"]


@dataclass(frozen=True)
class Outcome:
    """What one send attempt came to; plain data, so a durable workflow can record it."""

    kind: OutcomeKind
    message: str = ""
    external_id: str = ""
    url: str = ""
    retry_after: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.TIDINGS_PUBLISH_LEASE_SECONDS)


def claim_due_targets(*, now: datetime | None = None, limit: int = 500) -> list[tuple[int, str, int]]:
    """Move due targets from scheduled to queued; return (id, platform, dispatch round) of each one claimed.

    Targets overdue beyond the late window (the worker was down) are skipped instead, with the reason.
    """
    now = now or timezone.now()
    too_late = now - timedelta(seconds=settings.TIDINGS_LATE_WINDOW_SECONDS)
    overdue = PostTarget.objects.filter(status=TargetStatus.SCHEDULED, scheduled_at__lt=too_late)
    for target_id in overdue.values_list("pk", flat=True)[:limit]:
        finish_unsuccessfully(
            target_id,
            status=TargetStatus.SKIPPED,
            reason="Not published: it was due while publishing was stopped, and is now later than "
            f"{settings.TIDINGS_LATE_WINDOW_SECONDS // 60} minutes past its time.",
            expected=(TargetStatus.SCHEDULED,),
        )
    with transaction.atomic():
        due = PostTarget.objects.filter(status=TargetStatus.SCHEDULED, scheduled_at__lte=now).order_by(
            "scheduled_at", "pk"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        claimed = list(due.values_list("pk", "platform", "dispatch_round")[:limit])
        PostTarget.objects.filter(pk__in=[row[0] for row in claimed], status=TargetStatus.SCHEDULED).update(
            status=TargetStatus.QUEUED, locked_until=_lease(now)
        )
    return claimed


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
    """Check the target, its account and the daily limit, and mark it publishing; or say why not.

    The first attempt also marks a send as started (`sending_since`) in the same transaction, so a crash between
    here and the platform's answer is seen as a send in doubt when the step runs again.
    """
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        user, _ = lock_target_owner(target_id)
        # Read after the lock, so a change committed by its previous holder (a cancel, say) is seen.
        target = PostTarget.objects.select_related("post", "account").get(pk=target_id)
        if target.status not in IN_FLIGHT:
            return Begin("done", f"Target is {target.status}")
        connector = connector_for(target.platform)
        if target.status == TargetStatus.PUBLISHING:
            content = target_content(target) if connector is not None else None
            return Begin("publish", target=target, content=content)
        account = target.account
        if account.status != AccountStatus.ACTIVE:
            why = account.status_reason or account.get_status_display()
            return Begin("skip", f"{account} cannot be used: {why}. Reconnect it, then retry this post.")
        if connector is None:
            return Begin("fail", f"Publishing to {target.platform} is not available on this server.")
        content = target_content(target)
        problems = connector.validate(account, content)
        if problems:
            return Begin("fail", " ".join(problems))
        limit = user.limits[Limit.POSTS_PER_PLATFORM_PER_DAY]
        if limit is not None and _posts_counted_today(user, target.platform, now) >= limit:
            return Begin(
                "skip",
                f"Today's limit of {limit} posts to {account.get_platform_display()} on the "
                f"{user.get_tier_display()} plan was reached.",
            )
        fields = {
            "status": TargetStatus.PUBLISHING,
            "attempts": target.attempts + 1,
            "locked_until": _lease(now),
            "sending_since": now,
            "updated_at": now,
        }
        PostTarget.objects.filter(pk=target_id, status__in=IN_FLIGHT).update(**fields)
        for name, value in fields.items():
            setattr(target, name, value)
    return Begin("publish", first=True, target=target, content=content)


def _posts_counted_today(user: User, platform: str, now: datetime) -> int:
    """Posts that count against today's limit: published today plus publishing now, in one query.

    Exact only under the user's lock, which every begin and completion holds."""
    published = DailyUsage.objects.filter(
        user=user, day=local_day(user, now), metric=Metric.POSTS, platform=platform
    ).values("count")[:1]
    in_flight = PostTarget.objects.filter(post__user=user, platform=platform, status=TargetStatus.PUBLISHING)
    counted = in_flight.aggregate(
        total=Count("pk") + Coalesce(Subquery(published, output_field=IntegerField()), Value(0))
    )
    return int(counted["total"])


def target_content(target: PostTarget) -> Content:
    """What goes out for this target: its text, the post's link and media, in order."""
    media = tuple(
        MediaItem(
            path=asset.file.name,
            kind=asset.kind,
            mime_type=asset.mime_type,
            size_bytes=asset.size_bytes,
            width=asset.width,
            height=asset.height,
            duration_seconds=asset.duration_seconds,
            alt_text=asset.alt_text,
        )
        for asset in target.post.media.all()
    )
    return Content(text=target.text, link=target.post.link, media=media, scheduled_at=target.scheduled_at)


def send_target(
    target_id: int, *, first: bool = False, target: PostTarget | None = None, content: Content | None = None
) -> Outcome:
    """One attempt to publish. A send whose answer never came is checked (or safely repeated) before resending.

    `first` is True right after `begin_publish` marked the first send; any other attempt looks at `sending_since`
    to learn whether an earlier send is still in doubt. `target` and `content` are what `begin_publish` returned
    in the same step; without them they are read here.
    """
    if target is None:
        target = PostTarget.objects.select_related("post", "account").get(pk=target_id)
    if target.status != TargetStatus.PUBLISHING:
        return Outcome("permanent", f"Target is {target.status}, not publishing.")
    connector = connector_for(target.platform)
    if connector is None:
        return Outcome("permanent", f"Publishing to {target.platform} is not available on this server.")
    key = str(target.idempotency_key)
    earlier_send_unresolved = not first and target.sending_since is not None
    if earlier_send_unresolved:
        if connector.capabilities.can_find_published:
            try:
                found = connector.find_published(target.account, idempotency_key=key)
            except PublishFailure as error:
                # The lookup failed, so the earlier send is still in doubt: never send again before it answers.
                failed = outcome_for(error)
                return failed if failed.kind in ("rate_limited", "auth") else Outcome("unknown", error.message)
            if found is not None:
                return Outcome("published", external_id=found.external_id, url=found.url)
        elif not connector.capabilities.idempotent_publish:
            return Outcome("unknown", "An earlier attempt may have been published; the platform cannot tell us.")
    if not first:
        PostTarget.objects.filter(pk=target_id).update(sending_since=timezone.now())
    try:
        published = connector.publish(target.account, content or target_content(target), idempotency_key=key)
    except PublishFailure as error:
        outcome = outcome_for(error)
    else:
        return Outcome("published", external_id=published.external_id, url=published.url)
    if outcome.kind == "unknown":
        return outcome
    if not earlier_send_unresolved:
        # This attempt was answered, so nothing is in doubt; an earlier unanswered send stays in doubt.
        PostTarget.objects.filter(pk=target_id).update(sending_since=None)
    return outcome


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
    return connector.validate(target.account, target_content(target))


def has_unresolved_send(target_id: int) -> bool:
    """A send whose answer never came: the post may exist on the platform even though later attempts failed."""
    return PostTarget.objects.filter(pk=target_id, sending_since__isnull=False).exists()


def can_resend_after_unknown(platform: str) -> bool:
    connector = connector_for(platform)
    return connector is not None and (
        connector.capabilities.idempotent_publish or connector.capabilities.can_find_published
    )


def complete_publish(target_id: int, *, external_id: str, url: str = "") -> bool:
    """Published: in one transaction mark it, consume its credit and count the day's usage. Idempotent."""
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        user, platform = lock_target_owner(target_id)
        moved = PostTarget.objects.filter(
            pk=target_id, status__in=(TargetStatus.PUBLISHING, TargetStatus.UNCONFIRMED)
        ).update(
            status=TargetStatus.PUBLISHED,
            external_id=external_id[:255],
            external_url=url[:2000],
            published_at=now,
            sending_since=None,
            locked_until=None,
            error="",
        )
        if not moved:
            return False
        settle_target_reservations(
            user, target_id=target_id, to=ReservationStatus.CONSUMED, reason=f"Published to {platform}"
        )
        add_usage(user, metric=Metric.POSTS, platform=platform, day=local_day(user, now))
        _check_low_credits(user)
    return True


# (user id, cycle start) of users whose low-credit alert for that cycle exists. The alert is sent once per cycle,
# so once it exists this process stops asking: otherwise every publish by a low user costs two more queries.
_low_credit_alert_sent: set[tuple[int, datetime]] = set()


def _check_low_credits(user: User) -> None:
    """`check_low_credits`, minus its cost once this cycle's alert exists: it notifies once per cycle, so from then
    on every publish by a low user would try the insert in a savepoint, fail, and look the alert up again."""
    cycle = (user.pk, user.last_credit_reset)
    if cycle in _low_credit_alert_sent:
        return
    monthly = user.limits[Limit.MONTHLY_CREDITS] or 0
    # Available credits never exceed the balance, so a low balance answers without summing the reservations.
    if not (is_low(user.credits, monthly) or is_low(available_credits(user), monthly)):
        return
    # The key check_low_credits dedupes on. Were its format to change, this would find nothing and every publish
    # would go on to check_low_credits: slower, never wrong.
    dedupe_key = f"low_credits:{user.last_credit_reset.isoformat()}"
    if Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
        _remember_low_credit_alert(cycle)
    elif check_low_credits(user):
        # Only once the alert is committed: a rolled-back completion takes its alert with it.
        transaction.on_commit(lambda: _remember_low_credit_alert(cycle))


def _remember_low_credit_alert(cycle: tuple[int, datetime]) -> None:
    if len(_low_credit_alert_sent) >= 100_000:  # a bound on memory; forgetting only costs the queries again
        _low_credit_alert_sent.clear()
    _low_credit_alert_sent.add(cycle)


def finish_unsuccessfully(
    target_id: int,
    *,
    status: Literal[TargetStatus.FAILED, TargetStatus.SKIPPED],
    reason: str,
    expected: tuple[str, ...] = IN_FLIGHT,
) -> bool:
    """Failed or skipped: keep the reason, release the credit, tell the user. Idempotent."""
    with transaction.atomic():
        user_id = PostTarget.objects.values_list("post__user_id", flat=True).get(pk=target_id)
        user = lock_user(user_id)
        moved = PostTarget.objects.filter(pk=target_id, status__in=expected).update(
            status=status, error=reason, sending_since=None, locked_until=None
        )
        if not moved:
            return False
        settle_target_reservations(user, target_id=target_id, to=ReservationStatus.RELEASED, reason=reason)
        target = PostTarget.objects.select_related("account").get(pk=target_id)
        failed = status == TargetStatus.FAILED
        notify(
            user,
            type=NotificationType.POST_FAILED if failed else NotificationType.POST_SKIPPED,
            title=f"Post to {target.account} {'failed' if failed else 'skipped'}",
            message=f"{reason} Your text and media are kept; the credit was returned.",
            dedupe_key=f"{status}:{target_id}:{target.attempts}",
            data={"target_id": target_id, "post_id": target.post_id, "platform": target.platform},
        )
    return True


def mark_unconfirmed(target_id: int, *, reason: str) -> bool:
    """Sent, outcome unknown, and the platform cannot be asked: the user decides. The credit stays reserved."""
    with transaction.atomic():
        user_id = PostTarget.objects.values_list("post__user_id", flat=True).get(pk=target_id)
        user = lock_user(user_id)
        moved = PostTarget.objects.filter(pk=target_id, status=TargetStatus.PUBLISHING).update(
            status=TargetStatus.UNCONFIRMED, error=reason, locked_until=None
        )
        if moved:
            target = PostTarget.objects.select_related("account").get(pk=target_id)
            notify(
                user,
                type=NotificationType.POST_FAILED,
                title=f"Check whether your post to {target.account} went out",
                message=f"{reason} Look at the account, then mark the post as published or not published.",
                dedupe_key=f"unconfirmed:{target_id}:{target.attempts}",
                data={"target_id": target_id, "post_id": target.post_id, "platform": target.platform},
            )
    return bool(moved)


def mark_account_for_reconnect(target_id: int, *, reason: str) -> None:
    account_id = PostTarget.objects.values_list("account_id", flat=True).get(pk=target_id)
    mark_reconnect_needed(account_id, reason=reason)
