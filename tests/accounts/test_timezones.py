from datetime import UTC, datetime
from zoneinfo import available_timezones

import pytest

from tidings.accounts.timezones import canonical_time_zones, canonical_zone, local_to_utc, zone_choices
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


def test_the_list_holds_current_names_of_places_and_no_aliases() -> None:
    zones = canonical_time_zones()
    assert {"Europe/Lisbon", "Asia/Kolkata", "America/New_York", "America/Argentina/Buenos_Aires", "UTC"} <= set(zones)
    # A country's own zone stays even where the database now links it to a neighbour's.
    assert "Europe/Oslo" in zones
    for alias in ("Asia/Calcutta", "US/Eastern", "GB", "Etc/GMT+5", "EST5EDT", "Zulu", "Etc/UTC"):
        assert alias not in zones
    assert list(zones) == sorted(zones)
    assert set(zones) <= available_timezones()


def test_a_browsers_old_name_maps_to_the_current_one() -> None:
    assert canonical_zone("Asia/Calcutta") == "Asia/Kolkata"
    assert canonical_zone("America/Buenos_Aires") == "America/Argentina/Buenos_Aires"
    assert canonical_zone("US/Eastern") == "America/New_York"
    assert canonical_zone("Etc/UTC") == "UTC"
    assert canonical_zone("Europe/Lisbon") == "Europe/Lisbon"
    assert canonical_zone("Etc/GMT+5") is None
    assert canonical_zone("Mars/Olympus_Mons") is None


def test_the_choices_show_each_offset_and_keep_an_alias_the_user_has() -> None:
    choices = dict(zone_choices())
    assert choices["Asia/Kolkata"] == "Asia/Kolkata (UTC+05:30)"
    assert choices["America/St_Johns"].startswith("America/St Johns (UTC-0")
    assert "Asia/Calcutta" not in choices
    assert dict(zone_choices(keep="Asia/Calcutta"))["Asia/Calcutta"] == "Asia/Calcutta (UTC+05:30)"
    assert "Not/AZone" not in dict(zone_choices(keep="Not/AZone"))
