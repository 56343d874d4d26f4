"""What a queue card shows of its post: the actions that fit its targets' states, where it stands in time, and the
time its reschedule picker starts at, all read from what the page prefetched (no query per card)."""

from datetime import datetime, time, timedelta
from typing import Any

from django import template
from django.utils import timezone

from tidings.posts import actions
from tidings.posts.models import Post, TargetStatus
from tidings.posts.selectors import DRAFTS, UPCOMING
from tidings.posts.services import post_status

register = template.Library()

ENDED_LABELS = {
    "published": "Published",
    "partially_published": "Partly published",
    "failed": "Failed",
    "skipped": "Skipped",
    "unconfirmed": "Outcome unknown",
    "cancelled": "Cancelled",
}


def _statuses(post: Post) -> list[str]:
    return [target.status for target in post.targets.all()]


@register.filter
def post_actions(post: Post) -> list[str]:
    return actions.post_actions(_statuses(post))


@register.filter
def target_actions(status: str) -> list[str]:
    return actions.target_actions(status)


@register.filter
def standing(post: Post) -> dict[str, Any]:
    """Where the post stands: what to call it, in which colour, and the time that goes with it."""
    group = getattr(post, "group", None)
    if group == UPCOMING:
        if TargetStatus.AWAITING_APPROVAL in _statuses(post):
            due = getattr(post, "due", None)
            return {"label": "Waiting for approval, for", "status": "awaiting_approval", "at": due, "icon": "clock"}
        return {"label": "Scheduled for", "status": "scheduled", "at": getattr(post, "due", None), "icon": "clock"}
    if group == DRAFTS:
        return {"label": "Draft, last saved", "status": "draft", "at": post.updated_at, "icon": "edit"}
    status = post_status(_statuses(post))
    at = getattr(post, "recent", None) or post.updated_at
    colour = "published" if status == "partially_published" else status
    return {"label": ENDED_LABELS.get(status, "Ended"), "status": colour, "at": at, "icon": "history"}


@register.filter
def picker_value(post: Post) -> str:
    """Where the reschedule picker starts: the time the post waits for, else tomorrow at its old time of day (a post
    skipped today most often moves to tomorrow), in the workspace's zone."""
    now = timezone.localtime()
    timed = [
        (t.status, t.scheduled_at) for t in post.targets.all() if t.status in actions.RESCHEDULE and t.scheduled_at
    ]
    ahead = [at for status, at in timed if status == TargetStatus.SCHEDULED and at > now]
    if ahead:
        return _field(timezone.localtime(min(ahead)))
    last = max((at for _, at in timed), default=post.scheduled_at)
    clock = timezone.localtime(last).time() if last else time(9, 0)
    return _field(datetime.combine(now.date() + timedelta(days=1), clock))


@register.filter
def picker_tomorrow(_: object) -> str:
    """Where the bulk picker starts: tomorrow at nine, in the workspace's zone."""
    return _field(datetime.combine(timezone.localtime().date() + timedelta(days=1), time(9, 0)))


@register.filter
def picker_min(_: object) -> str:
    return _field(timezone.localtime())


def _field(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M")


@register.filter
def status_label(status: str) -> str:
    return TargetStatus(status).label if status in TargetStatus.values else status
