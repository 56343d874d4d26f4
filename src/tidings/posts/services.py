"""Drafts, scheduling and taking posts out of the queue. Scheduling holds a queue place and one credit per target."""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from tidings.core.errors import Conflict, DomainError, InvalidInput, NotFound
from tidings.credits.services import lock_workspace, refresh_reservations
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.platforms.options import account_options
from tidings.posts.actions import EDITABLE, RESCHEDULE, RESTART, SCHEDULE
from tidings.posts.lifecycle import balances_needed, move_targets
from tidings.posts.models import IN_QUEUE, Post, PostTarget, TargetStatus
from tidings.posts.notes import announce_proposal
from tidings.posts.publishing import content_problems
from tidings.posts.threads import check_media_parts, clean_first_comment, clean_thread_parts, place_media_in_parts
from tidings.tagging.selectors import PostChoice
from tidings.tagging.services import save_post_choice
from tidings.tiers.checks import accounts_over_plan, can_plan_post, can_schedule, over_plan_reason
from tidings.tiers.services import TierLimitReached, refuse
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

# A post whose targets are all in EDITABLE has not gone out: it opens in the composer, and every part can change.
# READY: out of the queue and not sent, what scheduling puts (back) in the queue.
READY = SCHEDULE | RESTART


def create_post(
    actor: Actor,
    *,
    text: str,
    account_ids: Iterable[int],
    link: str = "",
    overrides: Mapping[int, str] | None = None,
    options: Mapping[int, Mapping[str, Any]] | None = None,
    thread_parts: Sequence[str] = (),
    first_comment: str = "",
    tagging: PostChoice | None = None,
) -> Post:
    """A draft with one target per chosen account; the accounts must be the workspace's own. `overrides` maps an
    account id to the text that account publishes instead of the post's own; `options` to its platform's options
    (checked by `tidings.platforms.options`), refused with the reason before anything is stored; `thread_parts`
    are the posts written after the first, `first_comment` the comment posted under it; `tagging` the post's own
    choice over its accounts' link tagging (none: as each account is set)."""
    actor.require(Action.DRAFT)
    parts, comment = clean_thread_parts(thread_parts), clean_first_comment(first_comment)
    wanted = set(account_ids)
    accounts = _connected_accounts(actor.workspace, wanted)
    if len(accounts) != len(wanted):
        raise InvalidInput("One of the chosen accounts is not connected to your profile.", field="account_ids")
    overrides = overrides or {}
    chosen = account_options(accounts, options)
    with transaction.atomic():
        post = Post.objects.create(
            workspace=actor.workspace,
            author=actor.user,
            text=text,
            link=link,
            thread_parts=parts,
            first_comment=comment,
        )
        PostTarget.objects.bulk_create(
            PostTarget(
                post=post,
                account=a,
                platform=a.platform,
                text_override=_override(overrides, a.pk, text),
                options=chosen.get(a.pk, {}),
            )
            for a in accounts
        )
        if tagging is not None:
            save_post_choice(post, tagging)
    return post


def require_to_edit(actor: Actor, targets: Iterable[PostTarget]) -> None:
    """Editing a draft is drafting; editing a post that waits in the queue changes what goes out and what it
    reserves, so it takes the right to schedule as well."""
    actor.require(Action.DRAFT)
    if any(t.status == TargetStatus.SCHEDULED for t in targets):
        actor.require(Action.SCHEDULE)


def _override(overrides: Mapping[int, str], account_id: int, text: str) -> str:
    """An account's own text, kept only when it differs from the post's (blank means "the post's text")."""
    own = overrides.get(account_id, "").strip()
    return "" if not own or own == text.strip() else overrides[account_id]


def _connected_accounts(workspace: Workspace, wanted: set[int]) -> list[SocialAccount]:
    """The workspace's accounts among `wanted` that are still connected; refused when any is not."""
    accounts = SocialAccount.objects.filter(workspace=workspace, pk__in=wanted).exclude(
        status=AccountStatus.DISCONNECTED
    )
    found = list(accounts)
    if len(found) != len(wanted):
        raise InvalidInput("One of the chosen accounts is not connected to your profile.", field="account_ids")
    return found


def get_post(workspace: Workspace, post_id: int) -> Post:
    """The workspace's own post; another workspace's post is as absent as a missing one."""
    try:
        return Post.objects.get(pk=post_id, workspace=workspace)
    except Post.DoesNotExist:
        raise NotFound("No such post.") from None


def check_schedule_time(at: datetime, *, field: str = "scheduled_at") -> None:
    """A time to publish at must be ahead of now and within the scheduling horizon."""
    now = timezone.now()
    if at <= now:
        raise InvalidInput("The scheduled time is in the past; pick a time from now on.", field=field)
    days = settings.TIDINGS_MAX_SCHEDULE_DAYS
    if at > now + timedelta(days=days):
        raise InvalidInput(f"Posts can be scheduled at most {days} days ahead; pick an earlier time.", field=field)


def check_targets_can_go_out(
    workspace: Workspace, targets: Iterable[PostTarget], *, at: datetime, excluding: Iterable[int] = ()
) -> None:
    """What must hold before targets take a place in the queue for `at`: each account usable and within the plan,
    the content within each platform's rules, and room in each platform's daily limit on that local day (not
    counting `excluding`, other targets moving at the same time)."""
    targets = list(targets)
    needing_reconnect = [t.account for t in targets if t.account.status != AccountStatus.ACTIVE]
    if needing_reconnect:
        raise Conflict(f"Reconnect {needing_reconnect[0]} before scheduling to it.")
    over = accounts_over_plan(workspace)
    for target in targets:
        if target.account_id in over:
            raise Conflict(f"{target.account}: {over_plan_reason(workspace, target.platform)}")
    problems = [f"{t.account}: {problem}" for t in targets for problem in content_problems(t)]
    if problems:
        raise InvalidInput(" ".join(problems), field="text")
    per_platform = Counter(t.platform for t in targets)
    moving = [t.pk for t in targets] + list(excluding)
    for platform, adding in per_platform.items():
        decision = can_plan_post(workspace, platform=platform, at=at, adding=adding, excluding=moving)
        if not decision.allowed:
            raise TierLimitReached(decision)


def remember_refusal(actor: Actor, post_id: int, refusal: DomainError) -> None:
    """Keep the post as it is, with why it could not be scheduled (a time refused before scheduling was tried, say);
    a plan refusal also notifies the workspace's schedulers and the person refused."""
    Post.objects.filter(pk=post_id, workspace=actor.workspace).update(draft_reason=refusal.message[:500])
    if isinstance(refusal, TierLimitReached):
        refuse(actor.workspace, refusal.decision, by=actor.user)


def schedule_post(actor: Actor, post_id: int, *, at: datetime, propose: bool = False) -> Post:
    """Put a draft in the queue for `at` (UTC), reserving a credit per target. Targets that failed, were skipped or
    were cancelled go back in the queue too, each under a new dispatch round (as a retry does).

    A refusal (time in the past or too far ahead, queue full, a day's posts at the limit, not enough credits, an
    account needing reconnect or over the plan) leaves the post a draft, records the reason on it, and raises;
    nothing is reserved.

    A post that needs approval (`actor.needs_approval`: a contributor's, or any where the workspace asks for it;
    or `propose`, a rule set to review first) is proposed instead: the same checks and reservations, but its
    targets wait for an approver.
    """
    proposing = propose or actor.needs_approval
    actor.require(Action.DRAFT if proposing else Action.SCHEDULE)
    post = get_post(actor.workspace, post_id)
    try:
        check_schedule_time(at)
        with transaction.atomic():
            locked = lock_workspace(actor.workspace.pk)
            post = Post.objects.select_for_update().get(pk=post.pk)
            targets = list(post.targets.select_related("account").filter(status__in=READY))
            if not targets:
                raise Conflict("This post has no draft targets to schedule; choose at least one account.")
            check_targets_can_go_out(locked, targets, at=at)
            already_queued = post.targets.filter(status__in=IN_QUEUE).exists()
            decision = can_schedule(locked, adding=0 if already_queued else 1)
            if not decision.allowed:
                raise TierLimitReached(decision)
            _queue_targets(
                locked, targets, at=at, to=TargetStatus.AWAITING_APPROVAL if proposing else TargetStatus.SCHEDULED
            )
            post.scheduled_at = at
            post.draft_reason = ""
            post.save(update_fields=["scheduled_at", "draft_reason", "updated_at"])
            if proposing:
                announce_proposal(actor, post)
    except DomainError as refusal:
        remember_refusal(actor, post.pk, refusal)
        raise
    return post


def _queue_targets(
    workspace: Workspace, targets: list[PostTarget], *, at: datetime, to: str = TargetStatus.SCHEDULED
) -> None:
    """Move ready targets to scheduled (or, proposed, to awaiting approval) for `at`. One that was handed to a
    publish workflow before (it ended, or went back to a draft afterwards) starts a new dispatch round: its old
    workflow id has run and never runs again."""
    fresh = [t.pk for t in targets if not _was_dispatched(t)]
    again = [t.pk for t in targets if _was_dispatched(t)]
    move_targets(workspace, fresh, to=to, only_from=(TargetStatus.DRAFT,), scheduled_at=at)
    move_targets(
        workspace,
        again,
        to=to,
        only_from=READY,
        scheduled_at=at,
        dispatch_round=F("dispatch_round") + 1,
        error="",
        sending_since=None,
        locked_until=None,
        progress={},
    )


def _was_dispatched(target: PostTarget) -> bool:
    # A workflow leaves a trace on every target it held: a lease, an attempt, or the reason it ended.
    return (
        target.status != TargetStatus.DRAFT
        or target.attempts > 0
        or target.locked_until is not None
        or target.sending_since is not None
        or bool(target.error)
    )


def reschedule_post(actor: Actor, post_id: int, *, at: datetime) -> Post:
    """Move the post's waiting targets to a new time, and schedule its failed, skipped and cancelled ones again for
    it; targets being published keep their course, and drafts stay drafts.

    The new day's limits are checked as for scheduling, and a credit reserved before the last renewal is reserved
    again from this cycle (the old one expires): a post moved after a renewal pays from the new month. An ended
    target reserves a credit again and goes out in a new dispatch round, as a retry does, but at `at`.
    """
    actor.require(Action.SCHEDULE)
    post = get_post(actor.workspace, post_id)
    check_schedule_time(at)
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        targets = list(post.targets.select_related("account").filter(status__in=RESCHEDULE))
        if not targets:
            raise Conflict("Nothing in this post is waiting or ended, so there is nothing to reschedule.")
        check_targets_can_go_out(locked, targets, at=at)
        waiting = [t.pk for t in targets if t.status == TargetStatus.SCHEDULED]
        ended = [t.pk for t in targets if t.status in RESTART]
        if ended and not post.targets.filter(status__in=IN_QUEUE).exists():
            decision = can_schedule(locked)
            if not decision.allowed:
                raise TierLimitReached(decision)
        now = timezone.now()
        refresh_reservations(locked, target_ids=waiting)
        PostTarget.objects.filter(pk__in=waiting, status=TargetStatus.SCHEDULED).update(scheduled_at=at, updated_at=now)
        move_targets(
            locked,
            ended,
            to=TargetStatus.SCHEDULED,
            only_from=RESTART,
            reason="Rescheduled",
            scheduled_at=at,
            dispatch_round=F("dispatch_round") + 1,
            error="",
            sending_since=None,
            locked_until=None,
            progress={},
            updated_at=now,
        )
        Post.objects.filter(pk=post.pk).update(scheduled_at=at, draft_reason="", updated_at=now)
    post.refresh_from_db()
    return post


def unschedule_post(actor: Actor, post_id: int) -> int:
    """Back to a draft: waiting targets leave the queue and their credits are released; failed, skipped and
    cancelled targets become drafts again. Refused when nothing in the post can go back."""
    actor.require(Action.SCHEDULE)
    post = get_post(actor.workspace, post_id)
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        moved = move_targets(
            locked, post.targets.values_list("pk", flat=True), to=TargetStatus.DRAFT, reason="Moved back to draft"
        )
        if not moved:
            if set(post.targets.values_list("status", flat=True)) <= {TargetStatus.DRAFT}:
                raise Conflict("This post is a draft already.")
            raise Conflict("Nothing in this post can go back to a draft: it is published or being published.")
        if not post.targets.filter(status__in=IN_QUEUE).exists():
            Post.objects.filter(pk=post.pk).update(scheduled_at=None, updated_at=timezone.now())
    return len(moved)


def cancel_post(actor: Actor, post_id: int) -> int:
    """Cancel what has not gone out yet and release its credits."""
    actor.require(Action.SCHEDULE)
    post = get_post(actor.workspace, post_id)
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        moved = move_targets(
            locked,
            post.targets.values_list("pk", flat=True),
            to=TargetStatus.CANCELLED,
            reason="Cancelled by the user",
        )
    if not moved:
        raise Conflict("Nothing in this post can be cancelled: it is published, being published, or ended.")
    return len(moved)


def delete_post(actor: Actor, post_id: int) -> None:
    """Delete a post, releasing any credits it holds; refused while a target is being published or its send is
    unresolved, since its credit must follow the outcome."""
    actor.require(Action.SCHEDULE)
    post = get_post(actor.workspace, post_id)
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        statuses = set(post.targets.values_list("status", flat=True))
        if TargetStatus.PUBLISHING in statuses:
            raise Conflict("This post is being published right now; wait for it to finish, then delete it.")
        if TargetStatus.UNCONFIRMED in statuses:
            raise Conflict(
                "This post may have gone out and its outcome is not known yet. Mark whether it went out, "
                "then delete it."
            )
        move_targets(
            locked, post.targets.values_list("pk", flat=True), to=TargetStatus.CANCELLED, reason="Post deleted"
        )
        post.delete()


def post_status(statuses: Iterable[str]) -> str:
    """A post's own status, from its targets' (one failed target does not hide the others' success):
    one shared status as it is; otherwise the most active one, or `partially_published` when some went out."""
    found = set(statuses)
    if not found:
        return TargetStatus.DRAFT
    if len(found) == 1:
        return found.pop()
    for active in (
        TargetStatus.PUBLISHING,
        TargetStatus.QUEUED,
        TargetStatus.AWAITING_APPROVAL,
        TargetStatus.SCHEDULED,
        TargetStatus.DRAFT,
    ):
        if active in found:
            return TargetStatus.PUBLISHING if active == TargetStatus.QUEUED else active
    if TargetStatus.PUBLISHED in found:
        return "partially_published"
    for ended in (TargetStatus.UNCONFIRMED, TargetStatus.FAILED, TargetStatus.SKIPPED):
        if ended in found:
            return ended
    return TargetStatus.CANCELLED


def list_posts(
    workspace: Workspace,
    *,
    status: str | None = None,
    platform: str | None = None,
    scheduled_after: datetime | None = None,
    scheduled_before: datetime | None = None,
    search: str = "",
) -> QuerySet[Post]:
    """The workspace's posts, newest first. `status` and `platform` match posts with at least one such target;
    the time bounds are inclusive; `search` looks in the text and the link."""
    posts = Post.objects.filter(workspace=workspace)
    if status:
        posts = posts.filter(targets__status=status)
    if platform:
        posts = posts.filter(targets__platform=platform)
    if scheduled_after is not None:
        posts = posts.filter(scheduled_at__gte=scheduled_after)
    if scheduled_before is not None:
        posts = posts.filter(scheduled_at__lte=scheduled_before)
    if search.strip():
        posts = posts.filter(Q(text__icontains=search.strip()) | Q(link__icontains=search.strip()))
    return posts.distinct().prefetch_related("targets")


def _check_link(link: str) -> str:
    link = link.strip()
    if link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise InvalidInput("The link must be a full http:// or https:// address.", field="link") from None
    return link


def update_post(
    actor: Actor,
    post_id: int,
    *,
    text: str | None = None,
    link: str | None = None,
    account_ids: Iterable[int] | None = None,
    overrides: Mapping[int, str] | None = None,
    options: Mapping[int, Mapping[str, Any]] | None = None,
    thread_parts: Sequence[str] | None = None,
    first_comment: str | None = None,
    media_parts: Mapping[int, int] | None = None,
    tagging: PostChoice | None = None,
) -> Post:
    """Edit a post that has not gone out (a draft, a scheduled post, or one that failed, was skipped or was
    cancelled); None leaves a field as it is. `overrides` maps account ids to their own text (blank: the post's);
    `options` to their platform options, replacing those of each account named (the others keep theirs);
    `thread_parts` replaces the posts after the first, `media_parts` moves files between them (asset id -> part),
    and a post taken out of the thread must have no files left; `tagging` replaces the post's link-tagging choice.

    A scheduled post stays scheduled: an added account's target is scheduled with it and reserves a credit, a
    removed one's credit is released, and credits reserved before the last renewal are reserved again from this
    cycle. Posts with anything queued, being published or published are not editable. A refusal (not enough
    credits, an account needing reconnect, a day at its limit) changes nothing.
    """
    actor.require(Action.DRAFT)
    post = get_post(actor.workspace, post_id)
    link = None if link is None else _check_link(link)
    parts = None if thread_parts is None else clean_thread_parts(thread_parts)
    comment = None if first_comment is None else clean_first_comment(first_comment)
    wanted = None if account_ids is None else set(account_ids)
    chosen = None
    if options is not None:
        on_post = set(post.targets.values_list("account_id", flat=True)) if wanted is None else wanted
        chosen = account_options(SocialAccount.objects.filter(workspace=actor.workspace, pk__in=on_post), options)
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        post = Post.objects.select_for_update().get(pk=post.pk)
        targets = list(post.targets.select_related("account"))
        if any(t.status not in EDITABLE for t in targets):
            raise Conflict("Only posts that have not gone out can be edited; this one is being or has been published.")
        require_to_edit(actor, targets)
        if text is not None:
            post.text = text
        if link is not None:
            post.link = link
        if parts is not None:
            post.thread_parts = parts
        if comment is not None:
            post.first_comment = comment
        post.save(update_fields=["text", "link", "thread_parts", "first_comment", "updated_at"])
        if tagging is not None:
            save_post_choice(post, tagging)
        if media_parts:
            place_media_in_parts(post, media_parts)
        check_media_parts(post)
        if wanted is not None:
            _retarget(locked, post, targets, wanted, chosen or {})
        if overrides is not None:
            for target in post.targets.all():
                own = _override(overrides, target.account_id, post.text)
                if own != target.text_override:
                    PostTarget.objects.filter(pk=target.pk).update(text_override=own, updated_at=timezone.now())
        for target in post.targets.filter(account_id__in=list(chosen or {})):
            if chosen and chosen[target.account_id] != target.options:
                PostTarget.objects.filter(pk=target.pk).update(
                    options=chosen[target.account_id], updated_at=timezone.now()
                )
        scheduled = list(post.targets.filter(status=TargetStatus.SCHEDULED).values_list("pk", flat=True))
        refresh_reservations(locked, target_ids=scheduled, needs=balances_needed(scheduled))
    post.refresh_from_db()
    return post


def _retarget(
    workspace: Workspace,
    post: Post,
    targets: list[PostTarget],
    wanted: set[int],
    options: Mapping[int, dict[str, Any]],
) -> None:
    accounts = _connected_accounts(workspace, wanted)
    scheduled = any(t.status == TargetStatus.SCHEDULED for t in targets)
    if scheduled and not wanted:
        raise InvalidInput("A scheduled post needs at least one account; unschedule it first.", field="account_ids")
    removed = [t.pk for t in targets if t.account_id not in wanted]
    if removed:
        move_targets(workspace, removed, to=TargetStatus.CANCELLED, reason="Account removed from the post")
        PostTarget.objects.filter(pk__in=removed).delete()
    have = {t.account_id for t in targets}
    added = [
        PostTarget.objects.create(
            post=post, account=account, platform=account.platform, options=options.get(account.pk, {})
        )
        for account in accounts
        if account.pk not in have
    ]
    if scheduled and added and post.scheduled_at is not None:
        check_targets_can_go_out(workspace, added, at=post.scheduled_at)
        move_targets(
            workspace,
            [t.pk for t in added],
            to=TargetStatus.SCHEDULED,
            only_from=(TargetStatus.DRAFT,),
            scheduled_at=post.scheduled_at,
        )
