"""Slot times are wall-clock times: on both 2026 clock changes in four zones, a slot in the skipped hour goes out at
the first minute after it, and one in the repeated hour at its first occurrence."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tidings.accounts.timezones import wall_clock_to_utc


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # Spring forward: the skipped hour's slot moves to the first valid minute.
        ("America/New_York", date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),  # 03:00 EDT
        ("America/New_York", date(2026, 3, 8), time(2, 0), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 3, 8), time(3, 0), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 3, 8), time(1, 59), datetime(2026, 3, 8, 6, 59, tzinfo=UTC)),  # 01:59 EST
        ("Europe/London", date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # 02:00 BST
        ("Europe/Berlin", date(2026, 3, 29), time(2, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # 03:00 CEST
        ("Australia/Sydney", date(2026, 10, 4), time(2, 30), datetime(2026, 10, 3, 16, 0, tzinfo=UTC)),  # 03:00 AEDT
        # Fall back: the repeated hour's slot takes its first occurrence (still on summer time).
        ("America/New_York", date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # 01:30 EDT
        ("America/New_York", date(2026, 11, 1), time(2, 0), datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),  # 02:00 EST
        ("Europe/London", date(2026, 10, 25), time(1, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # 01:30 BST
        ("Europe/Berlin", date(2026, 10, 25), time(2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # 02:30 CEST
        ("Australia/Sydney", date(2026, 4, 5), time(2, 30), datetime(2026, 4, 4, 15, 30, tzinfo=UTC)),  # 02:30 AEDT
        # Ordinary days either side keep their wall-clock time under the new offset.
        ("America/New_York", date(2026, 3, 9), time(9, 0), datetime(2026, 3, 9, 13, 0, tzinfo=UTC)),
        ("America/New_York", date(2026, 3, 7), time(9, 0), datetime(2026, 3, 7, 14, 0, tzinfo=UTC)),
        ("Australia/Sydney", date(2026, 4, 6), time(9, 0), datetime(2026, 4, 5, 23, 0, tzinfo=UTC)),  # AEST
        ("Europe/London", date(2026, 10, 26), time(9, 0), datetime(2026, 10, 26, 9, 0, tzinfo=UTC)),  # GMT
    ],
)
def test_a_slot_is_the_wall_clock_time_of_its_day(zone: str, day: date, at: time, expected: datetime) -> None:
    assert wall_clock_to_utc(day, at, zone) == expected


def test_the_instant_is_in_utc() -> None:
    found = wall_clock_to_utc(date(2026, 11, 1), time(1, 30), "America/New_York")
    assert found.tzinfo is UTC
    assert found.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M %Z") == "01:30 EDT"
