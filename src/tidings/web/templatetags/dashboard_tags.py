"""Marks for the dashboard, the plan page and notifications: an icon and a colour per kind of notification, and
the share of a limit used, for progress bars."""

from django import template

register = template.Library()

# Notification type -> (icon, Tabler colour): what went wrong is red, what needs the user soon orange or yellow.
NOTIFICATION_MARKS = {
    "post_failed": ("alert-circle", "red"),
    "post_skipped": ("clock-pause", "orange"),
    "low_credits": ("coin", "yellow"),
    "credits_expiring": ("coin", "orange"),
    "tier_limit_reached": ("lock", "purple"),
    "account_reconnect": ("plug", "red"),
    "rule_failed": ("robot", "red"),
    "post_review": ("robot", "blue"),
}


@register.filter
def note_icon(kind: str) -> str:
    return NOTIFICATION_MARKS.get(kind, ("bell", ""))[0]


@register.filter
def note_colour(kind: str) -> str:
    return NOTIFICATION_MARKS.get(kind, ("bell", "blue"))[1]


@register.filter
def percent_of(used: int, limit: int | None) -> int:
    """`used` as a whole percentage of `limit`, at most 100; 0 for an unlimited or zero limit."""
    if not limit:
        return 0
    return min(100, round(used * 100 / limit))


@register.filter
def usage_colour(used: int, limit: int | None) -> str:
    """Green with room, yellow from 80%, red at the limit."""
    if not limit:
        return "green"
    if used >= limit:
        return "red"
    return "yellow" if used * 100 >= limit * 80 else "green"
