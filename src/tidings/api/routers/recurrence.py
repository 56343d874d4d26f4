"""How a post repeats: read, set (or change) and stop its series. Each repeat is made and scheduled a day before
its time (`TIDINGS_REPEAT_LEAD_HOURS`), reserving its own credit then."""

from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from tidings.api.auth import actor_of, needs
from tidings.api.schemas import ERRORS, MAX_ID, ErrorOut, Input
from tidings.core.errors import NotFound
from tidings.posts.services import get_post
from tidings.recurring.models import Recurrence
from tidings.recurring.services import Series, get_recurrence, set_recurrence, stop_recurrence, upcoming

router = Router(tags=["recurrence"])
READ, WRITE = needs("posts:read"), needs("posts:write")
PostId = Annotated[int, Path(ge=1, le=MAX_ID)]
CHANGE = {**ERRORS, 409: ErrorOut}


class RecurrenceIn(Input):
    every: int = Field(1, ge=1, le=365)
    unit: Literal["day", "week"] = "week"
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=list, max_length=7, description="0 is Monday; empty: the first post's weekday (weeks only)."
    )
    until: date | None = Field(None, description="The last day a repeat may fall on, in the workspace's zone.")
    count: int | None = Field(None, ge=2, le=1000, description="Posts in the series, the first included.")
    rewrite: bool = Field(False, description="The AI rewords each repeat (one generation each).")


class RepeatOut(Schema):
    occurs_at: datetime
    outcome: str = Field(description="pending, scheduled, proposed, draft (kept, with `reason`) or missed.")
    reason: str
    post_id: int | None


class RecurrenceOut(Schema):
    post_id: int
    every: int
    unit: str
    weekdays: list[int]
    at_time: str = Field(description="The wall-clock time of each post, HH:MM in the workspace's zone.")
    starts_on: date
    until: date | None
    count: int | None
    made: int = Field(description="Posts the series has made so far, the first included.")
    rewrite: bool
    next_at: datetime | None = Field(description="When the next repeat falls; null once the series has ended.")
    upcoming: list[datetime]
    last_error: str
    repeats: list[RepeatOut]

    @classmethod
    def of(cls, recurrence: Recurrence) -> "RecurrenceOut":
        return cls(
            post_id=recurrence.post_id,
            every=recurrence.every,
            unit=recurrence.unit,
            weekdays=list(recurrence.weekdays),
            at_time=recurrence.at_time.strftime("%H:%M"),
            starts_on=recurrence.starts_on,
            until=recurrence.until,
            count=recurrence.count,
            made=recurrence.made,
            rewrite=recurrence.rewrite,
            next_at=recurrence.next_at,
            upcoming=upcoming(recurrence),
            last_error=recurrence.last_error,
            repeats=[
                RepeatOut(occurs_at=r.occurs_at, outcome=r.outcome, reason=r.reason, post_id=r.post_id)
                for r in recurrence.repeats.all()[:50]
            ],
        )


@router.get("/posts/{post_id}/recurrence", response={200: RecurrenceOut, **ERRORS}, auth=READ)
def read_recurrence(request: HttpRequest, post_id: PostId) -> RecurrenceOut:
    workspace = actor_of(request).workspace
    recurrence = get_recurrence(workspace, get_post(workspace, post_id).pk)
    if recurrence is None:
        raise NotFound("This post does not repeat.")
    return RecurrenceOut.of(recurrence)


@router.put("/posts/{post_id}/recurrence", response={200: RecurrenceOut, **CHANGE}, auth=WRITE)
def put_recurrence(request: HttpRequest, post_id: PostId, payload: RecurrenceIn) -> RecurrenceOut:
    """Make a scheduled post repeat, or change how it does; the post's own time is the series' first."""
    series = Series(
        every=payload.every,
        unit=payload.unit,
        weekdays=tuple(payload.weekdays),
        until=payload.until,
        count=payload.count,
        rewrite=payload.rewrite,
    )
    return RecurrenceOut.of(set_recurrence(actor_of(request), post_id, series))


@router.delete("/posts/{post_id}/recurrence", response={204: None, **ERRORS}, auth=WRITE)
def delete_recurrence(request: HttpRequest, post_id: PostId) -> Status[None]:
    """Stop repeating; repeats already scheduled are posts of their own and stay."""
    stop_recurrence(actor_of(request), post_id)
    return Status(204, None)
