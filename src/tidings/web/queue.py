"""The queue and the calendar: every post with each target's state, and what can be done with it."""

import calendar as calendar_module
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tidings.accounts.models import User
from tidings.accounts.timezones import local_to_utc
from tidings.core.errors import DomainError
from tidings.posts.models import Post, PostTarget
from tidings.posts.retry import retry_target
from tidings.posts.services import cancel_post, create_post, delete_post, get_post, reschedule_post, unschedule_post
from tidings.web.auth import signed_in

FILTERS = {
    "scheduled": ("scheduled", "queued", "publishing"),
    "published": ("published",),
    "problems": ("failed", "skipped", "unconfirmed"),
    "drafts": ("draft",),
}


def _posts(user: User) -> QuerySet[Post]:
    targets = PostTarget.objects.select_related("account").order_by("platform")
    return Post.objects.filter(user=user).prefetch_related(Prefetch("targets", queryset=targets), "media")


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    shown = request.GET.get("show", "")
    posts = _posts(user)
    if shown in FILTERS:
        posts = posts.filter(targets__status__in=FILTERS[shown]).distinct()
    return render(request, "web/queue.html", {"posts": posts[:100], "shown": shown, "filters": FILTERS})


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
    return redirect(request.POST.get("next") or "queue")


@login_required
@require_POST
def retry(request: HttpRequest, target_id: int) -> HttpResponse:
    """Send a failed, skipped or unconfirmed target again (a credit is reserved again)."""
    user = signed_in(request)
    try:
        retry_target(user, target_id)
        messages.success(request, "Queued again; it goes out within seconds.")
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return redirect("queue")


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """A month (or, with ?view=week, a week) of the user's posts, in the user's time zone."""
    user = signed_in(request)
    zone = user.zone
    try:
        anchor = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        anchor = datetime.now(zone).date()
    week = request.GET.get("view") == "week"
    if week:
        first = anchor - timedelta(days=anchor.weekday())
        days = [first + timedelta(days=i) for i in range(7)]
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    else:
        weeks = calendar_module.Calendar().monthdatescalendar(anchor.year, anchor.month)
        days = [day for row in weeks for day in row]
        previous = (anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
        following = (anchor.replace(day=28) + timedelta(days=4)).replace(day=1)
    start = datetime.combine(days[0], time.min, zone)
    end = datetime.combine(days[-1] + timedelta(days=1), time.min, zone)
    targets = (
        PostTarget.objects.filter(post__user=user, scheduled_at__gte=start, scheduled_at__lt=end)
        .select_related("post", "account")
        .order_by("scheduled_at")
    )
    by_day: dict[date, list[PostTarget]] = {day: [] for day in days}
    for target in targets:
        assert target.scheduled_at is not None
        by_day.setdefault(target.scheduled_at.astimezone(zone).date(), []).append(target)
    context = {
        "days": [(day, by_day[day], day.month == anchor.month or week) for day in days],
        "anchor": anchor,
        "week": week,
        "previous": previous,
        "following": following,
        "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    }
    return render(request, "web/calendar.html", context)
