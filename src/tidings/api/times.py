"""Times in requests: ISO 8601 only. An aware time is taken as it is, a naive one is read in the workspace's time
zone (a local time that DST skips or repeats is refused, naming the field)."""

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from tidings.accounts.timezones import local_to_utc
from tidings.core.errors import InvalidInput
from tidings.workspaces.models import Workspace

NOT_A_NUMBER = "Give an ISO 8601 time such as 2030-01-31T09:00:00+02:00, not a number."
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _not_a_number(value: object) -> object:
    """Pydantic would read `1700000000` (or "1700000000") as Unix time; here a number is a mistake to name."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("iso_time", NOT_A_NUMBER)
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        raise PydanticCustomError("iso_time", NOT_A_NUMBER)
    return value


IsoTime = Annotated[datetime, BeforeValidator(_not_a_number)]


def to_utc(value: datetime | None, workspace: Workspace, *, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        if value.utcoffset() is None:
            return local_to_utc(value.replace(tzinfo=None), workspace.time_zone, field=field)
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput("That time is out of range.", field=field) from None
