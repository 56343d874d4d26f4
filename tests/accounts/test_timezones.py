from datetime import UTC, datetime

import pytest

from tidings.accounts.timezones import local_to_utc
from tidings.core.errors import InvalidInput


def test_a_plain_local_time_converts_to_utc() -> None:
    assert local_to_utc(datetime(2026, 7, 1, 9, 0), "Europe/Berlin") == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert local_to_utc(datetime(2026, 1, 1, 9, 0), "Africa/Johannesburg") == datetime(2026, 1, 1, 7, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused() -> None:
    # Europe/Berlin springs forward from 02:00 to 03:00 on 29 March 2026.
    with pytest.raises(InvalidInput, match="does not exist") as refusal:
        local_to_utc(datetime(2026, 3, 29, 2, 30), "Europe/Berlin")
    assert refusal.value.details == {"field": "scheduled_at"}


def test_a_time_that_happens_twice_is_refused() -> None:
    # Europe/Berlin falls back from 03:00 to 02:00 on 25 October 2026.
    with pytest.raises(InvalidInput, match="happens twice"):
        local_to_utc(datetime(2026, 10, 25, 2, 30), "Europe/Berlin")


def test_times_next_to_a_dst_change_are_fine() -> None:
    assert local_to_utc(datetime(2026, 3, 29, 3, 0), "Europe/Berlin") == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert local_to_utc(datetime(2026, 10, 25, 3, 0), "Europe/Berlin") == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)


def test_an_aware_time_is_refused() -> None:
    with pytest.raises(InvalidInput, match="without a UTC offset"):
        local_to_utc(datetime(2026, 7, 1, 9, 0, tzinfo=UTC), "Europe/Berlin")
