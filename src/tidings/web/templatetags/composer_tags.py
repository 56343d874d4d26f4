"""Small pieces of the composer's pages: a post's status in words, a unit in the singular for one, a day."""

from datetime import date

from django import template
from django.utils import timezone

from tidings.posts.models import TargetStatus

register = template.Library()


@register.filter
def status_name(status: str) -> str:
    if status in TargetStatus.values:
        return str(TargetStatus(status).label)
    return "Partly published" if status == "partially_published" else status


@register.filter
def singular(noun: str, count: int) -> str:
    """ "credits" for any count but one, "credit" for one."""
    return noun[:-1] if count == 1 and noun.endswith("s") else noun


@register.filter
def day_label(day: date | str) -> str:
    """ "Tue 3 Jun", with the year when it is not this year."""
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            return str(day)
    this_year = timezone.localdate().year
    return day.strftime("%a %-d %b" if day.year == this_year else "%a %-d %b %Y")
