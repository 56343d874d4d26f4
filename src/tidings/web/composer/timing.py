"""The composer's time field: a wall-clock time in the workspace's zone made UTC, and for a time that cannot be
used, why and a time that can (the skipped hour's end, the next quarter hour, the last day allowed, the next day
with room)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from tidings.accounts.timezones import local_to_utc
from tidings.core.errors import DomainError, InvalidInput
from tidings.posts.services import check_schedule_time
from tidings.web.composer.forms import wall_time
from tidings.workspaces.models import Workspace

FIELD = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True)
class Timing:
    """The time as typed, its UTC instant when it can be used, or the problem and a time to use instead."""

    raw: str
    at: datetime | None = None
    problem: str = ""
    suggestion: str = ""  # a value for the field

    @property
    def suggestion_label(self) -> str:
        local = wall_time(self.suggestion)
        return f"{local:%a %-d %b %Y, %H:%M}" if local else ""


def field_value(at: datetime | None, workspace: Workspace) -> str:
    return at.astimezone(workspace.zone).strftime(FIELD) if at else ""


def read_time(workspace: Workspace, raw: str) -> Timing:
    """The field's value checked as scheduling checks it; an empty field is no problem until Schedule is pressed."""
    raw = (raw or "").strip()
    if not raw:
        return Timing(raw)
    local = wall_time(raw)
    if local is None:
        return Timing(raw, problem="Pick a date and time to schedule the post.", suggestion=_soon(workspace))
    try:
        at = local_to_utc(local.replace(tzinfo=None), workspace.time_zone, field="when")
    except InvalidInput as refusal:
        return Timing(raw, problem=refusal.message, suggestion=_after_the_change(workspace, local))
    try:
        check_schedule_time(at, field="when")
    except DomainError as refusal:
        if at <= timezone.now():
            return Timing(raw, at, refusal.message, _soon(workspace))
        return Timing(raw, at, refusal.message, _latest(workspace, local))
    return Timing(raw, at)


def on_day(workspace: Workspace, raw: str, day: date) -> str:
    """The field's time of day on another day (the next one with room), as a field value."""
    local = wall_time(raw) or timezone.localtime(timezone.now(), workspace.zone).replace(tzinfo=None)
    return datetime.combine(day, local.time()).strftime(FIELD)


def _soon(workspace: Workspace) -> str:
    """The next quarter hour at least fifteen minutes away."""
    local = timezone.localtime(timezone.now() + timedelta(minutes=15), workspace.zone)
    local = local.replace(second=0, microsecond=0) + timedelta(minutes=(15 - local.minute % 15) % 15)
    return local.strftime(FIELD)


def _after_the_change(workspace: Workspace, local: datetime) -> str:
    """An hour later, past a skipped or repeated hour (daylight saving time changes move the clock by one hour)."""
    later = local + timedelta(hours=1)
    try:
        local_to_utc(later, workspace.time_zone)
    except InvalidInput:
        later += timedelta(hours=1)
    return later.strftime(FIELD)


def _latest(workspace: Workspace, local: datetime) -> str:
    last = timezone.localtime(timezone.now(), workspace.zone).date() + timedelta(
        days=settings.TIDINGS_MAX_SCHEDULE_DAYS - 1
    )
    return datetime.combine(last, local.time()).strftime(FIELD)
