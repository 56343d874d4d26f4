from datetime import datetime
from typing import Any

from ninja import Field, Schema

from tidings.api.schemas import Id, Input, PageQuery
from tidings.notifications.models import Notification


class NotificationFilters(PageQuery):
    unread: bool | None = Field(None, description="true: unread only; false: read only.")


class NotificationOut(Schema):
    id: int
    type: str
    title: str
    message: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, notification: Notification) -> "NotificationOut":
        return cls(
            id=notification.pk,
            type=notification.type,
            title=notification.title,
            message=notification.message,
            data=notification.data,
            created_at=notification.created_at,
            read_at=notification.read_at,
        )


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int
    limit: int
    offset: int


class MarkReadIn(Input):
    ids: list[Id] | None = Field(None, max_length=1000, description="Omitted: every unread notification.")


class MarkedOut(Schema):
    marked: int


class UnreadOut(Schema):
    unread: int
