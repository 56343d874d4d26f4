"""Time zones: turning a wall-clock time in a workspace's zone into UTC, refusing times that DST makes unclear, and
the list of current IANA names people pick from."""

from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib.resources import files
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo, available_timezones

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


# The regions people live in; tzdata's other names (Etc/GMT+5, EST5EDT, Factory) are for programs, not people.
_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
)


@cache
def _tzdata() -> tuple[frozenset[str], dict[str, str]]:
    """The zones the time zone database defines (its `Z` lines and each country's zone in zone.tab) and its
    links, alias to target, read from the copy zoneinfo itself uses."""
    for folder in _folders():
        compiled, countries = folder / "tzdata.zi", folder / "zone.tab"
        if compiled.is_file():
            zones: set[str] = set()
            links: dict[str, str] = {}
            for line in compiled.read_text().splitlines():
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "Z":
                    zones.add(parts[1])
                elif len(parts) >= 3 and parts[0] == "L":
                    links[parts[2]] = parts[1]
            if countries.is_file():
                zones |= {
                    line.split("\t")[2]
                    for line in countries.read_text().splitlines()
                    if line and not line.startswith("#") and line.count("\t") >= 2
                }
            return frozenset(zones), links
    # No database source to read: every name that looks like a place, unmapped.
    return frozenset(available_timezones()), {}


def _folders() -> list[Path]:
    folders = [Path(path) for path in TZPATH]
    with suppress(ModuleNotFoundError):
        folders.append(Path(str(files("tzdata") / "zoneinfo")))
    return folders


@cache
def canonical_time_zones() -> tuple[str, ...]:
    """Current IANA names for places, without aliases (Asia/Kolkata, not Asia/Calcutta or US/Eastern), plus UTC;
    sorted, and each one known to zoneinfo."""
    zones, _ = _tzdata()
    usable = available_timezones()
    return tuple(sorted({z for z in zones if z.split("/", 1)[0] in _AREAS and z in usable} | {"UTC"}))


def canonical_zone(name: str) -> str | None:
    """The current name for `name` (browsers report some old ones: Asia/Calcutta, America/Buenos_Aires), or None
    when it is not a place's zone at all."""
    listed = set(canonical_time_zones())
    _, links = _tzdata()
    seen = 0
    while name not in listed and name in links and seen < 8:
        name, seen = links[name], seen + 1
    if name in ("Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu"):
        name = "UTC"
    return name if name in listed else None


def zone_choices(*, keep: str = "") -> list[tuple[str, str]]:
    """Options for a time zone picker: each canonical name with its offset now (for searching by "+05:30" too),
    and `keep` (the zone in use now) even when it is an alias, so saving a form never changes it silently."""
    names = list(canonical_time_zones())
    if keep and keep not in names and keep in available_timezones():
        names.append(keep)
    now = datetime.now(UTC)
    return [(name, f"{name.replace('_', ' ')} (UTC{_offset(now, name)})") for name in names]


def _offset(now: datetime, name: str) -> str:
    offset = now.astimezone(ZoneInfo(name)).strftime("%z")
    return f"{offset[0]}{offset[1:3]}:{offset[3:]}"


def wall_clock_to_utc(day: date, at: time, zone_name: str) -> datetime:
    """UTC for a time that repeats on the wall clock (a posting slot, a recurring post), where refusing is not an
    option: a time the clocks skip moves to the first minute after the gap; one that happens twice is the first."""
    zone = ZoneInfo(zone_name)
    wall = datetime.combine(day, at)
    for _ in range(24 * 60):  # a gap is at most a few hours; stop well before a day
        candidate = wall.replace(tzinfo=zone, fold=0)
        if candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
            return candidate.astimezone(UTC)
        wall = (wall + timedelta(minutes=1)).replace(second=0, microsecond=0)
    raise ValueError(f"No valid local time near {day} {at} in {zone_name}")
