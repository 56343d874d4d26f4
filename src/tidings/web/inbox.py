"""Notifications: the page, the bell's dropdown, marking them read, and following one to what it is about."""

from contextlib import suppress

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tidings.accounts.models import User
from tidings.core.errors import NotFound
from tidings.notifications.links import action_label, destination, open_url
from tidings.notifications.models import Notification
from tidings.notifications.services import mark_read, unread_count
from tidings.web.auth import act_in, signed_in

MENU_SIZE = 6
PAGE_SIZE = 25


def _items(notes: list[Notification]) -> list[dict[str, object]]:
    return [{"note": n, "url": open_url(n), "action": action_label(n)} for n in notes]


def _menu(request: HttpRequest, user: User) -> HttpResponse:
    notes = list(user.notifications.all()[:MENU_SIZE])
    return render(
        request, "web/partials/notifications_menu.html", {"items": _items(notes), "unread": unread_count(user)}
    )


def _page(request: HttpRequest, user: User, *, partial: bool = False) -> HttpResponse:
    shown = "unread" if request.GET.get("show", request.POST.get("show")) == "unread" else "all"
    notes = user.notifications.all()
    if shown == "unread":
        notes = notes.filter(read_at__isnull=True)
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page", request.POST.get("page")))
    context = {"items": _items(list(page)), "page": page, "shown": shown, "unread": unread_count(user)}
    template = "web/partials/notifications_list.html" if partial else "web/notifications.html"
    return render(request, template, context)


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """The page; with ?menu=1, the bell's dropdown (the latest few), fetched by htmx each time it opens."""
    user = signed_in(request)
    if request.GET.get("menu"):
        return _menu(request, user)
    return _page(request, user)


@login_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    """Mark the given notifications read, or all of them without ids. From htmx, answer with the part that changed
    (the dropdown or the page's list) and the bell's new count; otherwise go back."""
    user = signed_in(request)
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    mark_read(user, notification_ids=ids or None)
    if request.htmx:  # type: ignore[attr-defined]  # set by django_htmx's middleware
        if request.POST.get("menu"):
            return _menu(request, user)
        return _page(request, user, partial=True)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(back)
    return redirect("notifications")


@login_required
@require_GET
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification to what it is about, as it is now; following it marks it read."""
    user = signed_in(request)
    notification = get_object_or_404(Notification, pk=notification_id, user=user)
    mark_read(user, notification_ids=[notification.pk])
    # What it is about is in its workspace: work there, as the page it leads to reads the current one. Someone no
    # longer a member stays where they are, and the destination says the subject is gone.
    if notification.workspace_id is not None:
        with suppress(NotFound):
            act_in(request, notification.workspace_id)
    where = destination(user, notification)
    if where.note:
        messages.info(request, where.note)
    return redirect(where.url)


# Mounted at / by tidings.web.urls.
urls = [
    path("notifications/", notifications, name="notifications"),
    path("notifications/read/", read, name="notifications-read"),
    path("notifications/<int:notification_id>/open/", open_notification, name="notification-open"),
]
