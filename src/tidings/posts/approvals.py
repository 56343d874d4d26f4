"""Posts that wait for an approver: proposing, approving, asking for changes, rejecting, and the team's comments.

A proposed post is a scheduled post that may not go out yet: its targets wait in `awaiting_approval`, which holds
their credits and their queue place (so an approved post cannot then fail for want of either), and the dispatcher
never claims them. Approving schedules them as proposed (a time already passed is published at once, within the
lateness window like any late post); asking for changes sends the post back to a draft and rejecting cancels it,
both releasing the credits. Every step is a note on the post and reaches the people concerned.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput
from tidings.credits.services import lock_workspace
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.posts.lifecycle import move_targets
from tidings.posts.models import NoteKind, Post, PostNote, TargetStatus
from tidings.posts.notes import add_note, excerpt
from tidings.posts.services import check_schedule_time, check_targets_can_go_out, get_post
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action, Role

logger = logging.getLogger(__name__)
MAX_NOTE = 5000


def _clean(text: str, *, required: str = "", field: str = "text") -> str:
    """The note's text, trimmed; `required` is what to say when it is empty and must not be."""
    text = text.strip()
    if required and not text:
        raise InvalidInput(required, field=field)
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"A note can be at most {MAX_NOTE} characters.", field=field)
    return text


def _decidable(actor: Actor, post_id: int) -> Post:
    actor.require(Action.APPROVE)
    post = get_post(actor.workspace, post_id)
    if actor.user is not None and post.author_id == actor.user.pk and actor.role != Role.OWNER:
        raise Conflict("Someone else approves a post you proposed (or the workspace's owner).")
    return post


def _waiting(post: Post) -> list[int]:
    ids = list(post.targets.filter(status=TargetStatus.AWAITING_APPROVAL).values_list("pk", flat=True))
    if not ids:
        raise Conflict("This post is not waiting for approval (it was decided on, or sent back, already).")
    return ids


def approve_post(
    actor: Actor, post_id: int, *, text: str = "", guest_name: str = "", at: datetime | None = None
) -> Post:
    """Schedule the post as proposed (its credits were reserved then), or for `at`, a new time the approver picks.

    A proposed time that has passed is kept while a late post may still go out (TIDINGS_LATE_WINDOW_SECONDS): it
    goes out at once. Further back, the approver is asked for a new time instead of the post being skipped."""
    post = _decidable(actor, post_id)
    text = _clean(text)
    if at is not None:
        check_schedule_time(at, field="at")
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        post = Post.objects.select_for_update().get(pk=post.pk)
        waiting = _waiting(post)
        late_by = timezone.now() - post.scheduled_at if post.scheduled_at else timedelta(0)
        if at is None and late_by > timedelta(seconds=settings.TIDINGS_LATE_WINDOW_SECONDS):
            raise Conflict(
                f"This post was due {_ago(late_by)} ago, too long for it to go out late. Approve it for a new time.",
                field="at",
            )
        if at is not None:
            targets = list(post.targets.select_related("account").filter(pk__in=waiting))
            check_targets_can_go_out(locked, targets, at=at)
            post.scheduled_at = at
            post.save(update_fields=["scheduled_at", "updated_at"])
        if at is None:
            move_targets(locked, waiting, to=TargetStatus.SCHEDULED, only_from=(TargetStatus.AWAITING_APPROVAL,))
        else:
            move_targets(
                locked, waiting, to=TargetStatus.SCHEDULED, only_from=(TargetStatus.AWAITING_APPROVAL,), scheduled_at=at
            )
        add_note(post, kind=NoteKind.APPROVED, actor=None if guest_name else actor, guest_name=guest_name, text=text)
    late = post.scheduled_at is not None and post.scheduled_at <= timezone.now()
    _tell_author(
        actor, post, "Your post was approved", "approved", guest_name, extra=" It goes out now." if late else ""
    )
    logger.info("post approved", extra={"post_id": post.pk, "workspace_id": actor.workspace.pk, "late": late})
    return post


def _ago(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else f"{int(delta.total_seconds() // 60)} minutes"


@contextmanager
def _turning_down(actor: Actor, post: Post, *, to: str, reason: str) -> Iterator[Post]:
    """Under the workspace's lock, move the post's waiting targets to `to` (releasing their credits), and give the
    locked post to the caller to note why, all in one transaction."""
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        post = Post.objects.select_for_update().get(pk=post.pk)
        move_targets(locked, _waiting(post), to=to, only_from=(TargetStatus.AWAITING_APPROVAL,), reason=reason)
        yield post


def request_changes(actor: Actor, post_id: int, *, text: str, guest_name: str = "") -> Post:
    """Send the post back to its author as a draft, with what should change; its credits are released."""
    post = _decidable(actor, post_id)
    text = _clean(text, required="Say what should change, so the author knows what to do.")
    with _turning_down(actor, post, to=TargetStatus.DRAFT, reason="Changes asked for before approval") as post:
        who = guest_name or (actor.user.username if actor.user else "An approver")
        post.draft_reason = f"{who} asked for changes: {text}"[:500]
        post.save(update_fields=["draft_reason", "updated_at"])
        by = None if guest_name else actor
        add_note(post, kind=NoteKind.CHANGES_REQUESTED, actor=by, guest_name=guest_name, text=text)
    verdict = "sent back with changes asked for"
    _tell_author(actor, post, "Changes asked for on your post", verdict, guest_name, extra=f" “{text[:200]}”")
    return post


def reject_post(actor: Actor, post_id: int, *, text: str = "") -> Post:
    """Turn the proposal down: its targets are cancelled and their credits released (it can be rescheduled)."""
    post = _decidable(actor, post_id)
    text = _clean(text)
    with _turning_down(actor, post, to=TargetStatus.CANCELLED, reason="Rejected before approval") as post:
        add_note(post, kind=NoteKind.REJECTED, actor=actor, text=text)
    _tell_author(actor, post, "Your post was rejected", "rejected", "", extra=f" “{text[:200]}”" if text else "")
    return post


def _tell_author(actor: Actor, post: Post, title: str, verdict: str, guest_name: str, *, extra: str = "") -> None:
    if post.author_id is None:
        return
    who = guest_name or ((actor.user.get_full_name() or actor.user.username) if actor.user else "An approver")
    notify(
        actor.workspace,
        audience=None,
        also=post.author,
        type=NotificationType.POST_DECIDED,
        title=title,
        message=f"{who}: “{excerpt(post)}” was {verdict}.{extra}",
        data={"post_id": post.pk},
    )


def comment(actor: Actor, post_id: int, *, text: str, guest_name: str = "") -> PostNote:
    """A note for the team on the post (from a client's approval link: under the name they gave); its author and
    whoever commented before hear of it."""
    actor.require(Action.DRAFT)
    post = get_post(actor.workspace, post_id)
    text = _clean(text, required="Write a comment first.")
    note = add_note(post, kind=NoteKind.COMMENT, actor=None if guest_name else actor, guest_name=guest_name, text=text)
    involved = {post.author_id, *post.notes.exclude(author=None).values_list("author_id", flat=True)}
    involved -= {None, actor.user.pk if actor.user else None}
    for person in User.objects.filter(pk__in=involved):
        notify(
            actor.workspace,
            audience=None,
            also=person,
            type=NotificationType.POST_COMMENT,
            title="New comment on a post",
            message=f"{note.who} on “{excerpt(post)}”: {text[:200]}",
            data={"post_id": post.pk},
        )
    return note
