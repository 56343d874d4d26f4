"""When a series' posts fall: local dates by the rule, each at the same wall-clock time in the workspace's zone
(so a weekly 09:00 post stays at 09:00 across daylight saving changes)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tidings.accounts.timezones import wall_clock_to_utc
from tidings.recurring.models import Unit

# Far enough for every rule a person sets (every 52 weeks), near enough that a search always ends quickly.
SEARCH_DAYS = 2 * 366


@dataclass(frozen=True)
class Rule:
    every: int
    unit: str
    weekdays: tuple[int, ...]
    at_time: time
    starts_on: date
    until: date | None = None

    def falls_on(self, day: date) -> bool:
        if day < self.starts_on or (self.until is not None and day > self.until):
            return False
        if self.unit == Unit.DAY:
            return (day - self.starts_on).days % self.every == 0
        first_monday = self.starts_on - timedelta(days=self.starts_on.weekday())
        week = (day - first_monday).days // 7
        return week % self.every == 0 and day.weekday() in (self.weekdays or (self.starts_on.weekday(),))


def occurrences(rule: Rule, zone_name: str, *, after: datetime) -> Iterator[datetime]:
    """The series' times (UTC) strictly after `after`, in order, for as long as the rule and the search allow."""
    day = max(rule.starts_on, after.astimezone(ZoneInfo(zone_name)).date() - timedelta(days=1))
    for _ in range(SEARCH_DAYS):
        if rule.until is not None and day > rule.until:
            return
        if rule.falls_on(day):
            at = wall_clock_to_utc(day, rule.at_time, zone_name)
            if at > after:
                yield at
        day += timedelta(days=1)


def next_occurrence(rule: Rule, zone_name: str, *, after: datetime) -> datetime | None:
    return next(occurrences(rule, zone_name, after=after), None)
