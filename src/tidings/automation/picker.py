"""The schedule picker: days of the week and times, or every N hours, written as the cron the rule stores and
read back from it, and said in words ("Mondays and Thursdays at 09:00, Europe/Lisbon").

A cron the picker cannot show (a day of the month, say) stays as it is: the page offers it as an advanced,
raw expression and names it as a custom schedule.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import time

from tidings.automation.schedule import SEPARATOR, check_schedule
from tidings.core.errors import InvalidInput

# Cron's weekday numbers (0 is Sunday) in the order a week is shown: Monday first.
WEEK = (1, 2, 3, 4, 5, 6, 0)
DAY_NAMES = {1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday", 6: "Saturday", 0: "Sunday"}
WEEKDAYS = frozenset({1, 2, 3, 4, 5})
WEEKEND = frozenset({0, 6})
EVERY_HOURS = (1, 2, 3, 4, 6, 8, 12)
MAX_TIMES = 6


class Mode:
    DAYS = "days"
    HOURS = "hours"
    CRON = "cron"


@dataclass(frozen=True)
class Picker:
    mode: str = Mode.DAYS
    days: frozenset[int] = field(default_factory=lambda: WEEKDAYS)
    times: tuple[time, ...] = (time(9),)
    every: int = 3
    start: time = time(8)
    end: time = time(20)
    cron: str = ""


def _error(message: str) -> InvalidInput:
    return InvalidInput(message, field="schedule")


def _weekday_field(days: frozenset[int]) -> str:
    if not days:
        raise _error("Choose at least one day of the week.")
    if len(days) == 7:
        return "*"
    ordered = sorted(days)
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(f"{run[0]}-{run[-1]}" if len(run) > 2 else ",".join(map(str, run)) for run in runs)


def to_cron(picker: Picker) -> str:
    """The cron for what the picker shows; refuses a choice that names no time (InvalidInput on "schedule")."""
    if picker.mode == Mode.CRON:
        return check_schedule(picker.cron)
    weekdays = _weekday_field(picker.days)
    if picker.mode == Mode.HOURS:
        if picker.every not in EVERY_HOURS:
            raise _error(f"Choose to run every {', '.join(map(str, EVERY_HOURS))} hours.")
        minute, first = picker.start.minute, picker.start.hour
        last = max(
            (h for h in range(first, 24) if (h * 60 + minute) <= picker.end.hour * 60 + picker.end.minute), default=None
        )
        if last is None:
            raise _error("The last time of the day must be after the first.")
        last -= (last - first) % picker.every
        if first == 0 and last + picker.every >= 24:
            hours = "*" if picker.every == 1 else f"*/{picker.every}"
        elif last == first:
            hours = str(first)
        else:
            hours = f"{first}-{last}" + ("" if picker.every == 1 else f"/{picker.every}")
        return check_schedule(f"{minute} {hours} * * {weekdays}")
    times = sorted(set(picker.times))
    if not times:
        raise _error("Add at least one time of day.")
    if len(times) > MAX_TIMES:
        raise _error(f"A rule runs at most {MAX_TIMES} times a day; remove a time or use every N hours.")
    by_minute: dict[int, list[int]] = defaultdict(list)
    for moment in times:
        by_minute[moment.minute].append(moment.hour)
    groups = sorted(by_minute.items(), key=lambda item: (item[1][0], item[0]))
    return check_schedule(
        SEPARATOR.join(f"{minute} {','.join(map(str, hours))} * * {weekdays}" for minute, hours in groups)
    )


_NUMBER = re.compile(r"^\d{1,2}$")


def _parse_weekdays(text: str) -> frozenset[int] | None:
    if text == "*":
        return frozenset(WEEK)
    days: set[int] = set()
    for piece in text.split(","):
        low, _, high = piece.partition("-")
        if not _NUMBER.match(low) or (high and not _NUMBER.match(high)):
            return None
        first, last = int(low), int(high or low)
        if not 0 <= first <= last <= 7:
            return None
        days.update(day % 7 for day in range(first, last + 1))
    return frozenset(days)


def _parse_days_mode(parts: list[list[str]]) -> Picker | None:
    weekdays = {part[4] for part in parts}
    if len(weekdays) != 1 or any(part[2:4] != ["*", "*"] for part in parts):
        return None
    days = _parse_weekdays(weekdays.pop())
    times: list[time] = []
    for minute, hours, *_ in parts:
        if days is None or not _NUMBER.match(minute) or not all(_NUMBER.match(h) for h in hours.split(",")):
            return None
        if int(minute) > 59 or any(int(h) > 23 for h in hours.split(",")):
            return None
        times.extend(time(int(h), int(minute)) for h in hours.split(","))
    if days is None or len(times) > MAX_TIMES or len(set(times)) != len(times):
        return None
    return Picker(mode=Mode.DAYS, days=days, times=tuple(sorted(times)))


_HOURS = re.compile(r"^(?:\*|(\d{1,2})-(\d{1,2}))(?:/(\d{1,2}))?$")


def _parse_hours_mode(parts: list[list[str]]) -> Picker | None:
    if len(parts) != 1:
        return None
    minute, hours, day, month, weekday_text = parts[0]
    found = _HOURS.match(hours)
    days = _parse_weekdays(weekday_text)
    if found is None or days is None or (day, month) != ("*", "*") or not _NUMBER.match(minute):
        return None
    every = int(found.group(3) or 1)
    first, last = (int(found.group(1)), int(found.group(2))) if found.group(1) else (0, 23)
    if every not in EVERY_HOURS or int(minute) > 59 or not first < last <= 23:
        return None
    last -= (last - first) % every
    return Picker(mode=Mode.HOURS, days=days, every=every, start=time(first, int(minute)), end=time(last, int(minute)))


def from_cron(expression: str) -> Picker:
    """What the picker shows for a stored schedule: days and times, every N hours, or the raw cron."""
    parts = [part.split(" ") for part in expression.split(SEPARATOR)]
    if all(len(part) == 5 for part in parts):
        found = _parse_days_mode(parts) or _parse_hours_mode(parts)
        if found is not None:
            return found
    return Picker(mode=Mode.CRON, cron=expression)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def days_in_words(days: frozenset[int]) -> str:
    if len(days) == 7:
        return "Every day"
    if days == WEEKDAYS:
        return "Weekdays"
    if days == WEEKEND:
        return "Weekends"
    return _join([f"{DAY_NAMES[day]}s" for day in WEEK if day in days])


def in_words(expression: str, time_zone: str) -> str:
    """The schedule as a person says it, with the zone it is read in."""
    picker = from_cron(expression)
    if picker.mode == Mode.DAYS:
        said = f"{days_in_words(picker.days)} at {_join([t.strftime('%H:%M') for t in picker.times])}"
    elif picker.mode == Mode.HOURS:
        every = "Every hour" if picker.every == 1 else f"Every {picker.every} hours"
        days = days_in_words(picker.days)
        on = {"Every day": ", every day", "Weekdays": " on weekdays", "Weekends": " at weekends"}.get(
            days, f" on {days}"
        )
        said = f"{every} from {picker.start:%H:%M} to {picker.end:%H:%M}{on}"
    else:
        said = f"Custom schedule ({expression})"
    return f"{said}, {time_zone}"
