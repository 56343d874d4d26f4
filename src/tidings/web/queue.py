"""The queue: every post with each target's state, and what can be done with it."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tidings.accounts.models import User
from tidings.accounts.timezones import local_to_utc
from tidings.core.errors import DomainError, NotFound
from tidings.platforms.models import Platform
from tidings.platforms.rules import platform_name
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.retry import retry_target
from tidings.posts.services import cancel_post, create_post, delete_post, get_post, reschedule_post, unschedule_post
from tidings.posts.unconfirmed import can_check, check_unconfirmed, mark_did_not_go_out, mark_went_out
from tidings.web.auth import signed_in

FILTERS = {
    "scheduled": ("scheduled", "queued", "publishing"),
    "published": ("published",),
    "problems": ("failed", "skipped", "unconfirmed"),
    "drafts": ("draft",),
}


def _posts(user: User) -> QuerySet[Post]:
    targets = PostTarget.objects.select_related("account").prefetch_related("attempt_history").order_by("platform")
    return Post.objects.filter(user=user).prefetch_related(Prefetch("targets", queryset=targets), "media")


def _back(request: HttpRequest) -> HttpResponse:
    """To the page the form was on (only a path on this site), else the queue."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(back)
    return redirect("queue")


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    shown = request.GET.get("show", "")
    posts = _posts(user)
    if shown in FILTERS:
        posts = posts.filter(targets__status__in=FILTERS[shown]).distinct()
    context = {
        "posts": posts[:100],
        "shown": shown,
        "filters": FILTERS,
        "checkable": {platform for platform in Platform.values if can_check(platform)},
        "time_zone": user.time_zone,
    }
    return render(request, "web/queue.html", context)


@login_required
@require_POST
def post_action(request: HttpRequest, post_id: int, action: str) -> HttpResponse:
    """Cancel, unschedule, delete, duplicate or reschedule one of the user's posts."""
    user = signed_in(request)
    try:
        if action == "cancel":
            cancel_post(user, post_id)
            messages.success(request, "Cancelled; its credits are back.")
        elif action == "unschedule":
            unschedule_post(user, post_id)
            messages.success(request, "Moved back to drafts; its credits are back.")
        elif action == "delete":
            delete_post(user, post_id)
            messages.success(request, "Deleted.")
        elif action == "duplicate":
            original = get_post(user, post_id)
            account_ids = list(original.targets.values_list("account_id", flat=True))
            create_post(user, text=original.text, link=original.link, account_ids=account_ids)
            messages.success(request, "Duplicated as a new draft.")
        elif action == "reschedule":
            local = datetime.fromisoformat(request.POST.get("when", ""))
            reschedule_post(user, post_id, at=local_to_utc(local, user.time_zone, field="when"))
            messages.success(request, "Rescheduled.")
        else:
            messages.error(request, "Unknown action.")
    except ValueError:
        messages.error(request, "Give the new time as a date and time.")
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return _back(request)


@login_required
@require_POST
def retry(request: HttpRequest, target_id: int) -> HttpResponse:
    """Send a failed or skipped target again (a credit is reserved again)."""
    user = signed_in(request)
    try:
        retry_target(user, target_id)
        messages.success(request, "Queued again; it goes out within seconds.")
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return _back(request)


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
    user = signed_in(request)
    try:
        if action == "went-out":
            target = mark_went_out(user, target_id, url=request.POST.get("url", ""))
            messages.success(request, f"Marked as published on {platform_name(target.platform)}; its credit is spent.")
        elif action == "did-not-go-out":
            mark_did_not_go_out(user, target_id)
            messages.success(request, "Marked as not published; its credit is back. Retry it when you like.")
        elif action == "check":
            _check(request, user, target_id)
        else:
            messages.error(request, "Unknown action.")
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return _back(request)


def _check(request: HttpRequest, user: User, target_id: int) -> None:
    target = PostTarget.objects.filter(pk=target_id, post__user=user).first()
    if target is None:
        raise NotFound("No such post target.")
    # Asked first: for a target that has ended, the check answers its status, and "published" would read as found.
    result = target.status
    if target.status == TargetStatus.UNCONFIRMED:
        result = check_unconfirmed(target_id, user=user)
    if target.status != TargetStatus.UNCONFIRMED or result not in CHECKED:
        label = TargetStatus(result).label
        messages.error(request, f"Only a post whose outcome is unknown can be checked; this one is {label}.")
        return
    level = messages.WARNING if result == "unknown" else messages.SUCCESS
    messages.add_message(request, level, CHECKED[result].format(platform=platform_name(target.platform)))


# Mounted at / by tidings.web.urls.
urls = [
    path("queue/", queue, name="queue"),
    path("queue/<int:post_id>/<str:action>/", post_action, name="post-action"),
    path("queue/targets/<int:target_id>/retry/", retry, name="target-retry"),
    path("queue/targets/<int:target_id>/<str:action>/", resolve, name="target-resolve"),
]
