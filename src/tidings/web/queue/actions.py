"""What can be done from the queue: to one post, to one of its targets, or to the selected posts at once. Each form
posts here and comes back to the page it was on, with a toast saying what happened."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tidings.accounts.timezones import local_to_utc
from tidings.core.errors import DomainError, InvalidInput, NotFound
from tidings.platforms.rules import platform_name
from tidings.posts.duplicate import duplicate_post
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.retry import retry_target
from tidings.posts.services import cancel_post, delete_post, get_post, reschedule_post, schedule_post, unschedule_post
from tidings.posts.unconfirmed import check_unconfirmed, mark_did_not_go_out, mark_went_out
from tidings.web.auth import acting
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action, RoleTooLow

POST_ACTIONS = ("schedule", "reschedule", "cancel", "unschedule", "delete", "duplicate")


def back(request: HttpRequest) -> HttpResponse:
    """To the page the form was on (only a path on this site), else the queue."""
    path = request.POST.get("next", "")
    if path and url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(path)
    return redirect("queue")


def local_time(workspace: Workspace, raw: str, *, field: str = "when") -> datetime:
    """A minute in the workspace's zone from a datetime-local field, in UTC; DST gaps and repeats are refused."""
    try:
        local = datetime.strptime(raw.strip(), "%Y-%m-%dT%H:%M")  # noqa: DTZ007 - wall-clock time, zoned below
    except ValueError:
        raise InvalidInput("Pick a date and a time.", field=field) from None
    return local_to_utc(local, workspace.time_zone, field=field)


@login_required
@require_POST
def post_action(request: HttpRequest, post_id: int, action: str) -> HttpResponse:
    """Schedule, reschedule, cancel, unschedule, duplicate or delete one of the workspace's posts."""
    actor = acting(request)
    if action not in POST_ACTIONS:
        raise NotFound("There is no such action.")
    get_post(actor.workspace, post_id)  # another workspace's post is absent, whatever the form says
    try:
        if action in ("schedule", "reschedule"):
            mover = schedule_post if action == "schedule" else reschedule_post
            mover(actor, post_id, at=local_time(actor.workspace, request.POST.get("when", "")))
            if action == "schedule" and actor.needs_approval:
                messages.success(request, "Sent for approval: it goes out once an approver says yes.")
            else:
                messages.success(request, "Scheduled." if action == "schedule" else "Rescheduled.")
        elif action == "cancel":
            cancel_post(actor, post_id)
            messages.success(request, "Cancelled; its credits are back.")
        elif action == "unschedule":
            unschedule_post(actor, post_id)
            messages.success(request, "Moved back to drafts; its credits are back.")
        elif action == "delete":
            delete_post(actor, post_id)
            messages.success(request, "Deleted.")
        elif action == "duplicate":
            return _duplicate(request, actor, post_id)
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return back(request)


def _duplicate(request: HttpRequest, actor: Actor, post_id: int) -> HttpResponse:
    copy = duplicate_post(actor, post_id)
    files = copy.post.media.count()
    said = "Duplicated as a new draft" + (f", with its {files} file{'s' if files != 1 else ''}" if files else "") + "."
    if copy.left_out:
        said += f" {', '.join(copy.left_out)}: no longer connected, so the copy is not addressed to it."
    messages.success(request, said)
    # The copy is the newest draft: on top of the drafts.
    return redirect(f"{reverse('queue')}?show=drafts#post-{copy.post.pk}")


@login_required
@require_POST
def retry(request: HttpRequest, target_id: int) -> HttpResponse:
    """Send a failed or skipped target again now (a credit is reserved again)."""
    actor = acting(request)
    try:
        retry_target(actor, target_id)
        messages.success(request, "Queued again; it goes out within seconds.")
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return back(request)


CHECKED = {
    "published": "{platform} has it: marked as published, and its credit is spent.",
    "not_published": "{platform} does not have it: it did not go out, and its credit is back. Retry it when you like.",
    "unknown": "{platform} could not tell us. Look at the account and mark whether it went out.",
}


@login_required
@require_POST
def resolve(request: HttpRequest, target_id: int, action: str) -> HttpResponse:
    """Settle a target whose send got no answer: the user says it went out (with its address, if they have it)
    or did not, or asks the platform to look."""
    actor = acting(request)
    if action not in ("went-out", "did-not-go-out", "check"):
        raise NotFound("There is no such action.")
    try:
        if action == "went-out":
            target = mark_went_out(actor, target_id, url=request.POST.get("url", ""))
            messages.success(request, f"Marked as published on {platform_name(target.platform)}; its credit is spent.")
        elif action == "did-not-go-out":
            mark_did_not_go_out(actor, target_id)
            messages.success(request, "Marked as not published; its credit is back. Retry it when you like.")
        else:
            _check(request, actor, target_id)
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return back(request)


def _check(request: HttpRequest, actor: Actor, target_id: int) -> None:
    actor.require(Action.SCHEDULE)  # the role is checked before the target's state is told
    target = PostTarget.objects.filter(pk=target_id, post__workspace=actor.workspace).first()
    if target is None:
        raise NotFound("No such post target.")
    # Asked first: for a target that has ended, the check answers its status, and "published" would read as found.
    result = target.status
    if target.status == TargetStatus.UNCONFIRMED:
        result = check_unconfirmed(target_id, actor=actor)
    if target.status != TargetStatus.UNCONFIRMED or result not in CHECKED:
        label = TargetStatus(result).label
        messages.error(request, f"Only a post whose outcome is unknown can be checked; this one is {label}.")
        return
    level = messages.WARNING if result == "unknown" else messages.SUCCESS
    messages.add_message(request, level, CHECKED[result].format(platform=platform_name(target.platform)))
