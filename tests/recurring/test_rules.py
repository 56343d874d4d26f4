"""When a series' posts fall: the rule's local dates at one wall-clock time (the DST rules of that time are
tested in tests/planning/test_clock.py)."""

from datetime import UTC, date, datetime, time
from itertools import islice

from tidings.recurring.rules import Rule, next_occurrence, occurrences


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_weekly_series_keeps_its_local_time_across_the_change() -> None:
    rule = Rule(every=1, unit="week", weekdays=(6,), at_time=time(9, 0), starts_on=date(2026, 10, 18))
    times = list(islice(occurrences(rule, "Europe/London", after=utc(2026, 10, 18, 7, 0)), 3))
    # 09:00 BST (08:00 UTC), then 09:00 GMT (09:00 UTC) after 25 October.
    assert times == [utc(2026, 10, 18, 8, 0), utc(2026, 10, 25, 9, 0), utc(2026, 11, 1, 9, 0)]


def test_every_second_week_on_two_weekdays() -> None:
    # Starts Wednesday 2 December 2026; Monday and Wednesday of every other week from that week on.
    rule = Rule(every=2, unit="week", weekdays=(0, 2), at_time=time(18, 0), starts_on=date(2026, 12, 2))
    times = list(islice(occurrences(rule, "UTC", after=utc(2026, 12, 1)), 4))
    assert times == [utc(2026, 12, 2, 18), utc(2026, 12, 14, 18), utc(2026, 12, 16, 18), utc(2026, 12, 28, 18)]


def test_every_three_days_until_a_date() -> None:
    rule = Rule(every=3, unit="day", weekdays=(), at_time=time(7, 45), starts_on=date(2026, 12, 30),
                until=date(2027, 1, 6))  # fmt: skip
    times = list(occurrences(rule, "Asia/Tokyo", after=utc(2026, 12, 29)))
    assert times == [utc(2026, 12, 29, 22, 45), utc(2027, 1, 1, 22, 45), utc(2027, 1, 4, 22, 45)]


def test_the_next_one_is_strictly_after() -> None:
    rule = Rule(every=1, unit="day", weekdays=(), at_time=time(12, 0), starts_on=date(2026, 12, 1))
    assert next_occurrence(rule, "UTC", after=utc(2026, 12, 1, 12, 0)) == utc(2026, 12, 2, 12, 0)
    ended = Rule(every=1, unit="day", weekdays=(), at_time=time(12, 0), starts_on=date(2026, 12, 1),
                 until=date(2026, 12, 1))  # fmt: skip
    assert next_occurrence(ended, "UTC", after=utc(2026, 12, 1, 12, 0)) is None
