"""A rule's schedule: one or more five-field crons read in the workspace's time zone.

Several expressions, separated by "; ", let one rule run at times that a single cron cannot name together
(09:00 and 12:30); the rule runs at each time any of them gives, once.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from croniter import croniter

from tidings.core.errors import InvalidInput

SEPARATOR = "; "
MAX_LENGTH = 200
MAX_EXPRESSIONS = 8


def check_schedule(expression: str) -> str:
    """The expression, tidied ("0 9 * * 1;30 12 * * 1" -> "0 9 * * 1; 30 12 * * 1"); refuses anything but valid
    five-field crons (minute hour day month weekday)."""
    parts = [" ".join(part.split()) for part in expression.split(";")]
    parts = [part for part in parts if part]
    if not parts or any(len(part.split(" ")) != 5 or not croniter.is_valid(part) for part in parts):
        raise InvalidInput(
            "Give the schedule as five cron fields: minute hour day month weekday (for example 0 9 * * 1-5); "
            "separate several with a semicolon.",
            field="schedule",
        )
    if len(parts) > MAX_EXPRESSIONS:
        raise InvalidInput(f"A schedule has at most {MAX_EXPRESSIONS} cron expressions.", field="schedule")
    tidy = SEPARATOR.join(dict.fromkeys(parts))
    if len(tidy) > MAX_LENGTH:
        raise InvalidInput(f"A schedule is at most {MAX_LENGTH} characters long.", field="schedule")
    return tidy


def next_run(expression: str, *, after: datetime, time_zone: str) -> datetime:
    """The first time after `after` that the schedule fires, read in `time_zone`; returned in the same instant."""
    local = after.astimezone(ZoneInfo(time_zone))
    return min(croniter(part, local).get_next(datetime) for part in expression.split(SEPARATOR))


def next_runs(expression: str, *, after: datetime, time_zone: str, count: int = 3) -> list[datetime]:
    """The next `count` times the schedule fires after `after`, in order and each once."""
    runs: list[datetime] = []
    moment = after
    while len(runs) < count:
        moment = next_run(expression, after=moment, time_zone=time_zone)
        runs.append(moment)
    return runs
