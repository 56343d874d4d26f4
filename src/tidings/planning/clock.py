"""Slots are wall-clock times: this turns a local date and time into the instant it happens in a zone, moving a
time that daylight saving skips to the first minute after the gap and taking the first of a repeated time."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The longest clock change in the time zone database is two hours; a day bounds the search regardless.
_MAX_GAP_MINUTES = 24 * 60


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local


def slot_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `at` on `day` in `zone`: in a gap, the first valid minute after it; in an overlap, the
    first occurrence (fold=0)."""
    local = datetime.combine(day, at.replace(second=0, microsecond=0))
    minutes = 0
    while not _exists(local, zone) and minutes < _MAX_GAP_MINUTES:
        local += timedelta(minutes=1)
        minutes += 1
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)
