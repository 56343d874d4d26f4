"""Notifications: the list, and marking them read."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tidings.notifications.services import mark_read
from tidings.web.auth import signed_in


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return render(request, "web/notifications.html", {"items": user.notifications.all()[:100]})


@login_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    mark_read(user, notification_ids=ids or None)
    return redirect("notifications")
