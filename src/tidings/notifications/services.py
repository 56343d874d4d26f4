"""Notifying a workspace's members about it, once per period for alerts that repeat."""

import logging
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.notifications.models import Notification, NotificationType
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.roles import Action, allows

logger = logging.getLogger(__name__)


def notify(
    workspace: Workspace,
    *,
    audience: Action | None,
    type: NotificationType,
    title: str,
    message: str,
    dedupe_key: str | None = None,
    data: dict[str, Any] | None = None,
    also: User | None = None,
) -> list[Notification]:
    """Tell the workspace's members whose role may act on it (`audience`: the action the notification calls for),
    plus `also` (a post's author, say) if they are still a member; with no audience, `also` alone. With a
    `dedupe_key` a member already has for this workspace, that member gets nothing. Returns the notifications
    created.

    Types a member chose in their settings are also emailed to them, once the notification is committed.
    """
    members = Membership.objects.filter(workspace=workspace).select_related("user")
    recipients = [
        m.user
        for m in members
        if (audience is not None and allows(m.role, audience)) or (also is not None and m.user_id == also.pk)
    ]
    key = f"{workspace.pk}:{dedupe_key}" if dedupe_key else None
    created = []
    for user in recipients:
        made = _notify_one(
            user, workspace=workspace, type=type, title=title, message=message, dedupe_key=key, data=data or {}
        )
        if made is not None:
            created.append(made)
    return created


def _notify_one(
    user: User,
    *,
    workspace: Workspace,
    type: NotificationType,
    title: str,
    message: str,
    dedupe_key: str | None,
    data: dict[str, Any],
) -> Notification | None:
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                workspace=workspace,
                type=type,
                title=title,
                message=message,
                dedupe_key=dedupe_key,
                data=data,
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
