"""A rule's schedule: a five-field cron read in the user's own time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

from croniter import croniter

from tidings.core.errors import InvalidInput


def check_schedule(expression: str) -> str:
    """The expression, trimmed; refuses anything but a valid five-field cron (minute hour day month weekday)."""
    expression = " ".join(expression.split())
    if len(expression.split(" ")) != 5 or not croniter.is_valid(expression):
        raise InvalidInput(
            "Give the schedule as five cron fields: minute hour day month weekday (for example 0 9 * * 1-5).",
            field="schedule",
        )
    return expression


def next_run(expression: str, *, after: datetime, time_zone: str) -> datetime:
    """The first time after `after` that the schedule fires, read in `time_zone`; returned in the same instant."""
    local = after.astimezone(ZoneInfo(time_zone))
    return croniter(expression, local).get_next(datetime)
