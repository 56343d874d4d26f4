"""Calendar-month arithmetic for credit cycles: clamped month ends, no drift, and every moment in exactly one cycle."""

import calendar
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidings.core.months import add_months, cycle_start, next_cycle_start


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (utc(2026, 1, 31, 10), 1, utc(2026, 2, 28, 10)),
        (utc(2028, 1, 31, 10), 1, utc(2028, 2, 29, 10)),
        (utc(2026, 1, 31, 10), 2, utc(2026, 3, 31, 10)),
        (utc(2026, 3, 31, 10), 1, utc(2026, 4, 30, 10)),
        (utc(2026, 1, 30, 10), 1, utc(2026, 2, 28, 10)),
        (utc(2026, 1, 28, 10), 1, utc(2026, 2, 28, 10)),
        (utc(2028, 2, 29, 7, 15), 12, utc(2029, 2, 28, 7, 15)),
        (utc(2028, 2, 29, 7, 15), 48, utc(2032, 2, 29, 7, 15)),
        (utc(2026, 1, 31), 25, utc(2028, 2, 29)),
        (utc(2026, 12, 15, 23, 59, 59, 999999), 1, utc(2027, 1, 15, 23, 59, 59, 999999)),
        (utc(2026, 12, 31), 2, utc(2027, 2, 28)),
        (utc(2026, 11, 30), 14, utc(2028, 1, 30)),
        (utc(2027, 1, 15), -1, utc(2026, 12, 15)),
        (utc(2026, 3, 31), -1, utc(2026, 2, 28)),
        (utc(2026, 5, 20, 8), 0, utc(2026, 5, 20, 8)),
    ],
)
def test_add_months_keeps_the_day_and_time_and_clamps_to_the_months_end(
    moment: datetime, months: int, expected: datetime
) -> None:
    result = add_months(moment, months)
    assert result == expected
    assert result.tzinfo is UTC


JAN_31 = utc(2026, 1, 31, 10)
JAN_31_LEAP = utc(2028, 1, 31, 10)
DEC_20 = utc(2026, 12, 20, 8)
FEB_29 = utc(2028, 2, 29, 12)
MAR_15 = utc(2026, 3, 15, 9, 30)


@pytest.mark.parametrize(
    ("anchor", "now", "start", "next_start"),
    [
        (JAN_31, JAN_31, JAN_31, utc(2026, 2, 28, 10)),
        (JAN_31, utc(2026, 2, 28, 9, 59, 59, 999999), JAN_31, utc(2026, 2, 28, 10)),
        (JAN_31, utc(2026, 2, 28, 10), utc(2026, 2, 28, 10), utc(2026, 3, 31, 10)),
        (JAN_31, utc(2026, 3, 31, 9, 59), utc(2026, 2, 28, 10), utc(2026, 3, 31, 10)),
        (JAN_31, utc(2026, 3, 31, 10), utc(2026, 3, 31, 10), utc(2026, 4, 30, 10)),
        (JAN_31, utc(2026, 5, 1), utc(2026, 4, 30, 10), utc(2026, 5, 31, 10)),
        (JAN_31, utc(2026, 12, 31, 10), utc(2026, 12, 31, 10), utc(2027, 1, 31, 10)),
        (JAN_31, utc(2027, 1, 30, 23), utc(2026, 12, 31, 10), utc(2027, 1, 31, 10)),
        (JAN_31_LEAP, utc(2028, 2, 28, 23), JAN_31_LEAP, utc(2028, 2, 29, 10)),
        (JAN_31_LEAP, utc(2028, 2, 29, 10), utc(2028, 2, 29, 10), utc(2028, 3, 31, 10)),
        (JAN_31_LEAP, utc(2028, 3, 31, 10), utc(2028, 3, 31, 10), utc(2028, 4, 30, 10)),
        (DEC_20, utc(2027, 1, 5), DEC_20, utc(2027, 1, 20, 8)),
        (DEC_20, utc(2027, 1, 20, 8), utc(2027, 1, 20, 8), utc(2027, 2, 20, 8)),
        (DEC_20, utc(2027, 12, 31), utc(2027, 12, 20, 8), utc(2028, 1, 20, 8)),
        (FEB_29, utc(2029, 3, 1), utc(2029, 2, 28, 12), utc(2029, 3, 29, 12)),
        (FEB_29, utc(2032, 2, 29, 12), utc(2032, 2, 29, 12), utc(2032, 3, 29, 12)),
        (MAR_15, utc(2026, 7, 20), utc(2026, 7, 15, 9, 30), utc(2026, 8, 15, 9, 30)),
    ],
)
def test_cycle_start_and_next_cycle_start(
    anchor: datetime, now: datetime, start: datetime, next_start: datetime
) -> None:
    assert cycle_start(anchor, now) == start
    assert next_cycle_start(anchor, now) == next_start


def test_a_moment_before_the_anchor_belongs_to_the_first_cycle() -> None:
    assert cycle_start(MAR_15, utc(2026, 3, 1)) == MAR_15
    assert next_cycle_start(MAR_15, utc(2026, 3, 1)) == utc(2026, 4, 15, 9, 30)


def test_a_now_given_west_of_utc_is_placed_in_the_cycle_that_contains_it() -> None:
    # 1 April 02:00 UTC is still 31 March in New York, but it is after the 1 April 00:00 UTC renewal.
    anchor = utc(2026, 3, 1)
    now = utc(2026, 4, 1, 2).astimezone(ZoneInfo("America/New_York"))
    assert cycle_start(anchor, now) == utc(2026, 4, 1)
    assert next_cycle_start(anchor, now) == utc(2026, 5, 1)


ANCHORS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.just(UTC))


@st.composite
def anchors_and_nows(draw: st.DrawFn) -> tuple[datetime, datetime]:
    """An anchor (often on a 1st, where month arithmetic is most fragile) and a moment at or after it: anywhere in
    the next 40 years, or within hours after one of its cycle starts, where an off-by-one month would show."""
    anchor = draw(st.one_of(ANCHORS, ANCHORS.map(lambda moment: moment.replace(day=1))))
    if draw(st.booleans()):
        return anchor, anchor + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=365 * 40)))
    months = draw(st.integers(0, 480))
    return anchor, add_months(anchor, months) + draw(st.timedeltas(timedelta(0), timedelta(hours=20)))


@settings(max_examples=400, database=None)
@given(moments=anchors_and_nows())
def test_every_moment_lies_in_exactly_one_anchored_cycle(moments: tuple[datetime, datetime]) -> None:
    anchor, now = moments
    start = cycle_start(anchor, now)
    end = next_cycle_start(anchor, now)
    assert start <= now < end
    # The cycle starts k whole months after the anchor, on the anchor's day (clamped) and time: no drift.
    k = (start.year - anchor.year) * 12 + (start.month - anchor.month)
    assert k >= 0
    assert start == add_months(anchor, k)
    assert end == add_months(anchor, k + 1)
    assert start.time() == anchor.time()
    assert start.day == min(anchor.day, calendar.monthrange(start.year, start.month)[1])


@settings(max_examples=400, database=None)
@given(moments=anchors_and_nows(), minutes=st.integers(-14 * 60, 14 * 60))
def test_the_cycle_does_not_depend_on_the_time_zone_of_now(moments: tuple[datetime, datetime], minutes: int) -> None:
    anchor, now = moments
    local = now.astimezone(timezone(timedelta(minutes=minutes)))
    assert cycle_start(anchor, local) == cycle_start(anchor, now)
    assert next_cycle_start(anchor, local) == next_cycle_start(anchor, now)
