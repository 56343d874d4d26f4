"""Calendar-month arithmetic for credit cycles, anchored so that short months do not drift the cycle day."""

import calendar
from datetime import datetime


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; the day is clamped to the month's last (Jan 31 + 1 = Feb 28/29)."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def cycle_start(anchor: datetime, now: datetime) -> datetime:
    """The start of the monthly cycle that contains `now`: the latest `anchor + k months` (k >= 0) not after now."""
    # Count months on the anchor's calendar: `now` given in another zone may be in another month there.
    now = now.astimezone(anchor.tzinfo)
    if now < anchor:
        return anchor
    months = (now.year - anchor.year) * 12 + (now.month - anchor.month)
    start = add_months(anchor, months)
    while start > now:
        months -= 1
        start = add_months(anchor, months)
    return start


def next_cycle_start(anchor: datetime, now: datetime) -> datetime:
    start = cycle_start(anchor, now)
    months = (start.year - anchor.year) * 12 + (start.month - anchor.month)
    return add_months(anchor, months + 1)
