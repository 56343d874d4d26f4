"""Notifications: the list, and marking them read."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from tidings.notifications.services import mark_read
from tidings.web.auth import signed_in


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """The list; with ?menu=1, the bell's dropdown (the latest few), fetched by htmx when it opens."""
    user = signed_in(request)
    if request.GET.get("menu"):
        return render(request, "web/partials/notifications_menu.html", {"items": user.notifications.all()[:6]})
    return render(request, "web/notifications.html", {"items": user.notifications.all()[:100]})


@login_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    mark_read(user, notification_ids=ids or None)
    return redirect("notifications")


# Mounted at / by tidings.web.urls.
urls = [
    path("notifications/", notifications, name="notifications"),
    path("notifications/read/", read, name="notifications-read"),
]
