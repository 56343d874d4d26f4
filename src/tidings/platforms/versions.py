"""The platform API versions this server calls (one setting each) and when each stops working, for `tidings doctor`.

- Graph API (Facebook Pages, Instagram): `TIDINGS_GRAPH_API_VERSION`. Meta dates each version's expiry in the
  "Graph API" table of https://developers.facebook.com/docs/graph-api/changelog/versions; a version too new for
  this table has its date there.
- LinkedIn: `TIDINGS_LINKEDIN_VERSION`, a month as YYYYMM. Each is supported for at least a year
  (https://learn.microsoft.com/en-us/linkedin/marketing/versioning), and the migrations table sunsets it in the
  middle of the same month a year on, 202603 on 16 March 2027 for one
  (https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations): we count from the 15th.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings

GRAPH_EXPIRY = {
    "v19.0": date(2026, 5, 21),
    "v20.0": date(2026, 9, 24),
    "v21.0": date(2027, 1, 21),
    "v22.0": date(2027, 5, 20),
    "v23.0": date(2027, 10, 8),
    "v24.0": date(2028, 2, 18),
    "v25.0": date(2028, 7, 29),
}
# Released, with no expiry set yet when this table was written.
GRAPH_NOT_YET_DATED = frozenset({"v26.0"})
_GRAPH = re.compile(r"v\d+\.\d+")
_LINKEDIN = re.compile(r"(\d{4})(\d{2})(?:\.\d{2})?")


@dataclass(frozen=True)
class ApiVersion:
    api: str
    setting: str
    version: str
    # Valid: the setting names a version of this API. Sunset: the last day it works, when known.
    valid: bool
    sunset: date | None = None
    # The sunset is reckoned (LinkedIn's mid-month), not read from a table.
    approximate: bool = False


def graph_version(version: str | None = None) -> ApiVersion:
    version = settings.TIDINGS_GRAPH_API_VERSION if version is None else version
    return ApiVersion(
        "Graph API", "TIDINGS_GRAPH_API_VERSION", version, bool(_GRAPH.fullmatch(version)), GRAPH_EXPIRY.get(version)
    )


def linkedin_version(version: str | None = None) -> ApiVersion:
    version = settings.TIDINGS_LINKEDIN_VERSION if version is None else version
    found = _LINKEDIN.fullmatch(version)
    if not found or not 1 <= int(found.group(2)) <= 12:
        return ApiVersion("LinkedIn API", "TIDINGS_LINKEDIN_VERSION", version, False)
    sunset = date(int(found.group(1)) + 1, int(found.group(2)), 15)
    return ApiVersion("LinkedIn API", "TIDINGS_LINKEDIN_VERSION", version, True, sunset, approximate=True)


def two_months_after(day: date) -> date:
    month = day.month + 2
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
