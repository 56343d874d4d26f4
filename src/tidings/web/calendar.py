"""The calendar: the user's posts by day and week, in the user's time zone."""

import calendar as calendar_module
from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from tidings.posts.models import PostTarget
from tidings.web.auth import signed_in


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


# Mounted at / by tidings.web.urls.
urls = [
    path("calendar/", calendar, name="calendar"),
]
