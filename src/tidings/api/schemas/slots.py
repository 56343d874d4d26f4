import datetime as dt

from ninja import Field, Schema

from tidings.api.schemas import Id, Input
from tidings.planning.models import PostingSlot


class SlotIn(Input):
    weekday: int = Field(ge=0, le=6, description="0 is Monday, 6 is Sunday.")
    time: dt.time = Field(description="Wall-clock time in the workspace's time zone, such as 09:30.")


class ScheduleIn(Input):
    account_id: Id | None = Field(None, description="The account whose schedule this is; omitted: the workspace's.")
    slots: list[SlotIn] = Field(max_length=7 * 24, description="The whole week; an empty list removes it.")


class SlotOut(Schema):
    id: int
    account_id: int | None
    weekday: int
    time: str

    @classmethod
    def of(cls, slot: PostingSlot) -> "SlotOut":
        return cls(id=slot.pk, account_id=slot.account_id, weekday=slot.weekday, time=f"{slot.time:%H:%M}")


class ScheduleOut(Schema):
    time_zone: str
    slots: list[SlotOut]


class NextSlotOut(Schema):
    at: dt.datetime = Field(description="UTC.")
    local: str = Field(description="The same instant in the workspace's time zone, with its offset.")


class MovedOut(Schema):
    moved: int
