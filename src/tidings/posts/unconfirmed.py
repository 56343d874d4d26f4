"""The way out of *unconfirmed*: a send whose answer never came is settled by the platform or by the user.

Where the platform can be asked (a lookup by key or among the account's recent posts), the product asks it first;
otherwise the user, who can see the account, marks the target "it went out" (the credit is spent) or "it did not go
out" (the credit comes back and the post can be sent again).
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.credits.services import lock_workspace
from tidings.platforms.models import Platform
from tidings.platforms.registry import connector_for
from tidings.posts.lifecycle import move_targets
from tidings.posts.models import PostTarget, TargetStatus, is_web_address
from tidings.posts.publishing import complete_publish, log_decision, look_up_earlier_send, target_content
from tidings.usage.models import Metric
from tidings.usage.services import add_usage, local_day
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action


def _unconfirmed_target(actor: Actor, target_id: int) -> PostTarget:
    actor.require(Action.SCHEDULE)
    try:
        target = PostTarget.objects.select_related("post", "account").get(pk=target_id, post__workspace=actor.workspace)
    except PostTarget.DoesNotExist:
        raise NotFound("No such post target.") from None
    if target.status != TargetStatus.UNCONFIRMED:
        raise Conflict(
            f"Only a post whose outcome is unknown can be marked; this one is {target.get_status_display()}."
        )
    return target


def _resolve(actor: Actor, target: PostTarget, *, to: TargetStatus, reason: str, **fields: Any) -> None:
    """Move an unconfirmed target on a member's word, under the workspace's lock; refused when it changed
    meanwhile."""
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        moved = move_targets(
            locked,
            [target.pk],
            to=to,
            only_from=(TargetStatus.UNCONFIRMED,),
            reason=reason,
            sending_since=None,
            progress={},
            **fields,
        )
        if not moved:
            raise Conflict("This post changed meanwhile; look at it again.")
        if to == TargetStatus.PUBLISHED:
            add_usage(
                locked, metric=Metric.POSTS, platform=target.platform, day=local_day(locked, target.sending_since)
            )
    log_decision(target, platform=target.platform, attempt=target.attempts, outcome=f"marked_{to}")


def mark_went_out(actor: Actor, target_id: int, *, url: str = "") -> PostTarget:
    """The user saw the post on the platform: it is published, its credit is spent and the day's usage counted."""
    url = url.strip()
    if url and not is_web_address(url):
        raise InvalidInput("The post's address must start with https:// or http://.", field="url")
    target = _unconfirmed_target(actor, target_id)
    published_at = target.sending_since or timezone.now()
    _resolve(
        actor,
        target,
        to=TargetStatus.PUBLISHED,
        reason="Marked as published by the user",
        external_url=url[:2000],
        published_at=published_at,
        error="",
    )
    target.refresh_from_db()
    return target


def mark_did_not_go_out(actor: Actor, target_id: int) -> PostTarget:
    """The user looked and the post is not there: it failed, its credit comes back, and Retry is allowed."""
    target = _unconfirmed_target(actor, target_id)
    _resolve(
        actor,
        target,
        to=TargetStatus.FAILED,
        reason="Marked as not published by the user",
        error="You marked this post as not published; the credit was returned. Retry it when you like.",
    )
    target.refresh_from_db()
    return target


def can_check(platform: str) -> bool:
    """Whether the platform can be asked about an earlier send."""
    connector = connector_for(platform)
    return connector is not None and connector.capabilities.can_find_published


def check_unconfirmed(target_id: int, *, actor: Actor | None = None) -> str:
    """Ask the platform whether an unconfirmed target went out, and settle it when the answer is sure.

    Returns "published" (found: published, credit spent), "not_published" (the platform says it is not there:
    failed, credit returned, retry allowed) or "unknown" (the platform cannot be asked, or the lookup failed; the
    target stays unconfirmed). With `actor` (a member asking, rather than the scheduled checks), the target must
    be their workspace's and their role must allow settling it.
    """
    targets = PostTarget.objects.select_related("post", "account")
    if actor is not None:
        actor.require(Action.SCHEDULE)
        targets = targets.filter(post__workspace=actor.workspace)
    target = targets.filter(pk=target_id).first()
    if target is None:
        raise NotFound("No such post target.")
    if target.status != TargetStatus.UNCONFIRMED:
        return str(target.status)
    connector = connector_for(target.platform)
    if connector is None or not connector.capabilities.can_find_published:
        return "unknown"
    outcome = look_up_earlier_send(target, target_content(target))
    if outcome is not None and outcome.kind == "published":
        complete_publish(target.pk, external_id=outcome.external_id, url=outcome.url, notice=outcome.notice)
        return "published"
    if outcome is not None:
        return "unknown"
    with transaction.atomic():
        locked = lock_workspace(target.post.workspace_id)
        moved = move_targets(
            locked,
            [target.pk],
            to=TargetStatus.FAILED,
            only_from=(TargetStatus.UNCONFIRMED,),
            reason="Not found on the platform",
            error=f"{target.account} has no such post: it did not go out, and the credit was returned. "
            "Retry it when you like.",
            sending_since=None,
            progress={},
        )
    return "not_published" if moved else str(PostTarget.objects.values_list("status", flat=True).get(pk=target.pk))


# A send in doubt is looked for again on this cadence (the cron's) for this long; after that the user decides.
RECHECK_FOR = timedelta(days=2)


def unconfirmed_to_check(*, now: datetime | None = None, limit: int = 50) -> list[int]:
    """Unconfirmed targets on platforms that can be asked, whose send is recent enough to look for, oldest first."""
    now = now or timezone.now()
    platforms = [platform for platform in Platform.values if can_check(platform)]
    found = PostTarget.objects.filter(
        status=TargetStatus.UNCONFIRMED, platform__in=platforms, sending_since__gte=now - RECHECK_FOR
    ).order_by("sending_since", "pk")
    return list(found.values_list("pk", flat=True)[:limit])
