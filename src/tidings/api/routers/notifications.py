"""Notifications: list, count unread, mark read."""

from django.http import HttpRequest
from ninja import Query, Router

from tidings.api import queries
from tidings.api.auth import needs, user_of
from tidings.api.pagination import paginate
from tidings.api.schemas import ERRORS
from tidings.api.schemas.notifications import (
    MarkedOut,
    MarkReadIn,
    NotificationFilters,
    NotificationOut,
    NotificationPage,
    UnreadOut,
)
from tidings.notifications.services import mark_read, unread_count

router = Router(tags=["notifications"])
AUTH = needs("notifications")


@router.get("/notifications", response={200: NotificationPage, **ERRORS}, auth=AUTH)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> dict[str, object]:
    return paginate(queries.list_notifications(user_of(request), unread=filters.unread), filters, NotificationOut.of)


@router.get("/notifications/unread-count", response={200: UnreadOut, **ERRORS}, auth=AUTH)
def count_unread(request: HttpRequest) -> UnreadOut:
    return UnreadOut(unread=unread_count(user_of(request)))


@router.post("/notifications/read", response={200: MarkedOut, **ERRORS}, auth=AUTH)
def mark_notifications_read(request: HttpRequest, payload: MarkReadIn) -> MarkedOut:
    """Mark the given notifications read (another user's ids are ignored), or all unread ones."""
    return MarkedOut(marked=mark_read(user_of(request), notification_ids=payload.ids))
