"""Bring a scheduled target to any state along the product's own moves, as a worker would."""

from django.db import transaction
from django.utils import timezone

from tidings.credits.services import lock_workspace
from tidings.posts import publishing
from tidings.posts.lifecycle import move_targets
from tidings.posts.models import PostTarget, TargetStatus


def bring_to(target: PostTarget, status: str, *, reason: str = "The platform said no.") -> PostTarget:
    """From scheduled to `status`: queued, publishing (a send answered), then published or ended; unconfirmed ends
    with its send unanswered."""
    with transaction.atomic():
        owner = lock_workspace(PostTarget.objects.values_list("post__workspace_id", flat=True).get(pk=target.pk))
        move_targets(None, [target.pk], to=TargetStatus.QUEUED, only_from=(TargetStatus.SCHEDULED,))
        if status != TargetStatus.QUEUED:
            sent = timezone.now() if status == TargetStatus.UNCONFIRMED else None
            move_targets(owner, [target.pk], to=TargetStatus.PUBLISHING, attempts=1, sending_since=sent)
    if status == TargetStatus.PUBLISHED:
        publishing.complete_publish(target.pk, external_id=f"post-{target.pk}", url=f"https://example.org/{target.pk}")
    elif status in (TargetStatus.FAILED, TargetStatus.SKIPPED, TargetStatus.UNCONFIRMED):
        publishing.end_target(target.pk, status=TargetStatus(status), reason=reason)
    target.refresh_from_db()
    return target
