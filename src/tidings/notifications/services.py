"""Notifying users, once per period for alerts that repeat."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.notifications.models import Notification, NotificationType


def notify(
    user: User,
    *,
    type: NotificationType,
    title: str,
    message: str,
    dedupe_key: str | None = None,
    data: dict[str, Any] | None = None,
) -> Notification | None:
    """Create a notification; with a `dedupe_key` that the user already has, create nothing and return None."""
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user, type=type, title=title, message=message, dedupe_key=dedupe_key, data=data or {}
            )
    except IntegrityError:
        if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
            return None
        raise


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: User, *, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given); returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(id__in=notification_ids)
    return unread.update(read_at=timezone.now())
