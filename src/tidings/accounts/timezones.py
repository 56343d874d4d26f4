"""Turning a wall-clock time in the user's zone into UTC, refusing times that DST makes unclear."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tidings.core.errors import InvalidInput


def local_to_utc(wall_time: datetime, zone_name: str, *, field: str = "scheduled_at") -> datetime:
    """UTC for a naive local time. A time skipped by a DST change, or one that happens twice, is refused."""
    if wall_time.tzinfo is not None:
        raise InvalidInput("Give the local time without a UTC offset.", field=field)
    zone = ZoneInfo(zone_name)
    earlier = wall_time.replace(tzinfo=zone, fold=0)
    later = wall_time.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        shown = f"{wall_time:%Y-%m-%d %H:%M}"
        if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall_time:
            raise InvalidInput(
                f"{shown} does not exist in {zone_name}: the clocks skip it for daylight saving time. "
                "Pick a time outside the skipped hour.",
                field=field,
            )
        raise InvalidInput(
            f"{shown} happens twice in {zone_name} as the clocks go back. Pick a time outside that hour.",
            field=field,
        )
    return earlier.astimezone(UTC)
