"""Small pieces every page uses: icons from the vendored sprite, platform marks, status badges, times with their
year when it is not this one, and the empty state."""

from datetime import datetime

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html

from tidings.platforms.rules import platform_name

register = template.Library()

# Tabler icon per platform; "webhook" stands for the webhook destination.
PLATFORM_ICONS = {
    "x": "brand-x",
    "bluesky": "brand-bluesky",
    "mastodon": "brand-mastodon",
    "linkedin": "brand-linkedin",
    "facebook": "brand-facebook",
    "instagram": "brand-instagram",
    "threads": "brand-threads",
    "tiktok": "brand-tiktok",
    "youtube": "brand-youtube",
    "pinterest": "brand-pinterest",
    "webhook": "webhook",
}

# Bootstrap colour per target status: what needs the user is red or orange, what went out green.
STATUS_COLOURS = {
    "draft": "secondary",
    "scheduled": "blue",
    "awaiting_approval": "pink",
    "queued": "azure",
    "publishing": "azure",
    "published": "green",
    "failed": "red",
    "skipped": "orange",
    "unconfirmed": "yellow",
    "cancelled": "secondary",
}


@register.simple_tag
def icon(name: str, css: str = "") -> str:
    """An icon from the vendored sprite, hidden from screen readers (the text beside it carries the meaning)."""
    href = static("vendor/tabler-icons/sprite.svg")
    return format_html(
        '<svg class="icon {}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>', css, href, name
    )


@register.simple_tag
def platform_icon(platform: str, css: str = "") -> str:
    return icon(PLATFORM_ICONS.get(platform, "world"), f"platform-{platform} {css}".strip())


@register.filter
def platform_label(platform: str) -> str:
    return platform_name(platform)


@register.filter
def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.simple_tag
def status_badge(status: str, label: str) -> str:
    colour = STATUS_COLOURS.get(status, "secondary")
    return format_html(
        '<span class="badge bg-{}-lt status-{}" data-testid="target-status">{}</span>', colour, status, label
    )


@register.filter
def moment(value: datetime | None) -> str:
    """A time in the active (the workspace's) zone: "Tue 1 Dec, 14:05", with the year when it is not this year's."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    today = timezone.localtime(timezone.now())
    shown = local.strftime("%a %-d %b %Y, %H:%M") if local.year != today.year else local.strftime("%a %-d %b, %H:%M")
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), shown)


@register.inclusion_tag("web/components/empty.html")
def empty_state(title: str, text: str = "", url: str = "", action: str = "", icon_name: str = "info-circle") -> dict:
    return {"title": title, "text": text, "url": url, "action": action, "icon_name": icon_name}
