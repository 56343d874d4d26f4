"""Times in requests: an aware ISO 8601 time as it is, or a naive one read in the user's own time zone (a local
time that DST skips or repeats is refused, naming the field)."""

from datetime import UTC, datetime

from tidings.accounts.models import User
from tidings.accounts.timezones import local_to_utc
from tidings.core.errors import InvalidInput


def to_utc(value: datetime | None, user: User, *, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        if value.utcoffset() is None:
            return local_to_utc(value.replace(tzinfo=None), user.time_zone, field=field)
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput("That time is out of range.", field=field) from None
