"""Notifying users, once per period for alerts that repeat."""

import logging
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.notifications.models import Notification, NotificationType

logger = logging.getLogger(__name__)


def notify(
    user: User,
    *,
    type: NotificationType,
    title: str,
    message: str,
    dedupe_key: str | None = None,
    data: dict[str, Any] | None = None,
) -> Notification | None:
    """Create a notification; with a `dedupe_key` that the user already has, create nothing and return None.

    Types the user chose in their settings are also emailed, once the notification is committed.
    """
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user, type=type, title=title, message=message, dedupe_key=dedupe_key, data=data or {}
            )
            if user.email and type in user.notification_preferences.get("email", []):
                transaction.on_commit(lambda: _email(user.email, title, message))
            return notification
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


def _email(address: str, subject: str, message: str) -> None:
    # After commit and outside any request's critical path: a mail server that is down loses the email, not the
    # notification, which the user sees in the app either way.
    try:
        send_mail(f"Tidings: {subject}", message, None, [address])
    except OSError:
        logger.warning("Could not email a notification to a user", exc_info=True)
