"""What the workspace's other tools hear about its posts: one event per target that is scheduled, published,
failed or left unconfirmed, sent from `move_targets`, the one place every target's status changes."""

from collections.abc import Sequence
from typing import Any

from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.webhooks.events import emit, subscribed
from tidings.webhooks.models import EventType
from tidings.workspaces.models import Workspace

TARGET_EVENTS = {
    TargetStatus.SCHEDULED: EventType.POST_SCHEDULED,
    TargetStatus.PUBLISHED: EventType.POST_PUBLISHED,
    TargetStatus.FAILED: EventType.POST_FAILED,
    TargetStatus.UNCONFIRMED: EventType.POST_UNCONFIRMED,
}


def target_data(target: PostTarget) -> dict[str, Any]:
    """Ids, times and outcome only: no text, no tokens."""
    return {
        "post_id": target.post_id,
        "target_id": target.pk,
        "status": target.status,
        "platform": target.platform,
        "account": {"id": target.account_id, "handle": target.account.handle},
        "scheduled_at": target.scheduled_at.isoformat() if target.scheduled_at else None,
        "published_at": target.published_at.isoformat() if target.published_at else None,
        "published_url": target.external_url,
        "error": target.error,
    }


def announce_moves(owner: Workspace | None, target_ids: Sequence[int], *, to: str) -> None:
    """Emit the event of a move to `to` for each moved target, in the mover's transaction. A target is published
    once, so that event's id is the target's; the others are named by the time of the move."""
    event = TARGET_EVENTS.get(TargetStatus(to))
    if event is None or owner is None or not target_ids:
        return
    endpoints = subscribed(owner, event)
    if not endpoints:
        return
    for target in PostTarget.objects.filter(pk__in=target_ids).select_related("account"):
        moment = "" if event == EventType.POST_PUBLISHED else f":{target.updated_at.isoformat()}"
        emit(owner, event, target_data(target), key=f"target:{target.pk}{moment}", endpoints=endpoints)


def announce_proposal(workspace: Workspace, post: Post, *, note_id: int) -> None:
    """`approval.requested` for a post just proposed; named by its proposal's note, one per proposal."""
    targets = post.targets.select_related("account").order_by("pk")
    data = {
        "post_id": post.pk,
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
        "targets": [
            {"target_id": t.pk, "platform": t.platform, "account": {"id": t.account_id, "handle": t.account.handle}}
            for t in targets
        ],
    }
    emit(workspace, EventType.APPROVAL_REQUESTED, data, key=f"proposal:{note_id}")
