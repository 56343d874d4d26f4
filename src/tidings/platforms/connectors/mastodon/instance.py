"""What a Mastodon server allows: post length, the length it counts a link as, attachments and their sizes.

Servers differ (an instance may allow 5,000 characters, a Pleroma one 50,000), so the limits are read from the
server, at connect and again at publish once a day old, and kept on the account (`SocialAccount.options`), where
validation reads them without a request. What a server does not say keeps Mastodon's default.

- GET /api/v2/instance: `configuration.statuses.max_characters`, `max_media_attachments`,
  `characters_reserved_per_url`; `configuration.media_attachments.supported_mime_types`, `image_size_limit`,
  `video_size_limit` (https://docs.joinmastodon.org/methods/instance/#v2, https://docs.joinmastodon.org/entities/Instance/).
- GET /api/v1/instance where v2 is missing (Mastodon before 4.0, Pleroma and Akkoma): the same `configuration`
  where present (https://docs.joinmastodon.org/entities/V1_Instance/), else `max_toot_chars` (Pleroma, Akkoma and
  glitch-soc) and Pleroma's `upload_limit` for every file.
"""

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from tidings.platforms.base import PublishFailure
from tidings.platforms.connectors.mastodon import api
from tidings.platforms.media import MediaRules
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.rules import TextRules, rules_for

OPTION = "instance"
MAX_AGE = timedelta(days=1)
_COUNTS = ("max_characters", "characters_reserved_per_url", "max_media_attachments")
_SIZES = ("image_size_limit", "video_size_limit")


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _section(payload: dict[str, Any], name: str) -> dict[str, Any]:
    configuration = payload.get("configuration")
    section = configuration.get(name) if isinstance(configuration, dict) else None
    return section if isinstance(section, dict) else {}


def read_limits(payload: dict[str, Any]) -> dict[str, Any]:
    """The limits an instance document states, as stored on the account; keys it does not state are left out."""
    statuses, media = _section(payload, "statuses"), _section(payload, "media_attachments")
    limits: dict[str, Any] = {key: statuses[key] for key in _COUNTS if _positive(statuses.get(key))}
    limits |= {key: media[key] for key in _SIZES if _positive(media.get(key))}
    if "max_characters" not in limits and _positive(payload.get("max_toot_chars")):
        limits["max_characters"] = payload["max_toot_chars"]
    if upload := _positive(payload.get("upload_limit")):
        limits |= {key: limits.get(key, upload) for key in _SIZES}
    types = media.get("supported_mime_types")
    if isinstance(types, list) and types and all(isinstance(kind, str) for kind in types):
        limits["supported_mime_types"] = sorted(set(types))
    return limits


def fetch_limits(base_url: str) -> dict[str, Any]:
    """The server's limits, from v2 and else v1; a PublishFailure when it answers neither."""
    try:
        limits = read_limits(api.json_of(api.request("GET", f"{base_url}/api/v2/instance")))
    except PublishFailure:
        limits = {}
    if "max_characters" not in limits:
        try:
            limits = read_limits(api.json_of(api.request("GET", f"{base_url}/api/v1/instance"))) | limits
        except PublishFailure:
            if not limits:
                raise
    return limits


def stored(limits: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """The option to keep on the account: the limits and when they were read."""
    return {**limits, "fetched_at": (now or timezone.now()).isoformat()}


def cached_limits(account: SocialAccount) -> dict[str, Any]:
    value = (account.options or {}).get(OPTION)
    return value if isinstance(value, dict) else {}


def is_stale(account: SocialAccount, *, now: datetime | None = None) -> bool:
    try:
        fetched = datetime.fromisoformat(str(cached_limits(account)["fetched_at"]))
    except (KeyError, ValueError):
        return True
    return (now or timezone.now()) - fetched >= MAX_AGE


def refresh_limits(account: SocialAccount) -> None:
    """Read the limits again when a day old (or never read); a server that does not answer keeps what we had."""
    if not account.base_url or not is_stale(account):
        return
    try:
        limits = fetch_limits(account.base_url)
    except PublishFailure:
        return
    options = {**(SocialAccount.objects.get(pk=account.pk).options or {}), OPTION: stored(limits)}
    SocialAccount.objects.filter(pk=account.pk).update(options=options)
    account.options = options


def text_rules(account: SocialAccount) -> TextRules:
    limits, default = cached_limits(account), rules_for(Platform.MASTODON)
    return dataclasses.replace(
        default,
        max_length=_positive(limits.get("max_characters")) or default.max_length,
        url_length=_positive(limits.get("characters_reserved_per_url")) or default.url_length,
    )


def media_rules(account: SocialAccount, default: MediaRules) -> MediaRules:
    limits = cached_limits(account)
    types = limits.get("supported_mime_types")
    types = set(types) if isinstance(types, list) else set()
    return dataclasses.replace(
        default,
        max_items=_positive(limits.get("max_media_attachments")) or default.max_items,
        max_image_bytes=_positive(limits.get("image_size_limit")) or default.max_image_bytes,
        max_video_bytes=_positive(limits.get("video_size_limit")) or default.max_video_bytes,
        image_types=frozenset(t for t in types if t.startswith("image/")) or default.image_types,
        video_types=frozenset(t for t in types if t.startswith("video/")) or default.video_types,
    )
