"""What the composer shows beside the text as it changes: each chosen account's post as its network shows it (its
own text, counted as the platform counts it, the link, the files, the thread the connector would send), and what
scheduling it costs (credits, queue places, the day's posts per platform) before anything is pressed."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from tidings.credits.models import Balance, CreditReservation, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.platforms.base import Content, ThreadPart
from tidings.platforms.connectors.thread import COMMENT_LIMITS
from tidings.platforms.media import MediaItem
from tidings.platforms.models import SocialAccount
from tidings.platforms.registry import connector_for
from tidings.platforms.rules import platform_name, rules_for, split_into_thread, text_length
from tidings.platforms.validation import validate_content
from tidings.posts.models import IN_QUEUE, MediaAsset, MediaKind, Post
from tidings.posts.publishing import media_item
from tidings.tagging.utm import Tags, tag_content
from tidings.tiers.checks import Decision, can_plan_post, can_schedule
from tidings.workspaces.models import Workspace


@dataclass(frozen=True)
class Part:
    text: str
    length: int
    over: bool
    # Files of a hand-written post of the thread after the first (the first post's are `Preview.media`).
    media: int = 0


@dataclass(frozen=True)
class Preview:
    account: SocialAccount
    parts: list[Part]
    total: int
    limit: int | None
    link: str
    media: int
    own_text: bool
    problems: list[str]
    # The first comment as this network counts it, when there is one and the network takes it.
    comment: Part | None = None

    @property
    def name(self) -> str:
        return platform_name(self.account.platform)

    @property
    def initial(self) -> str:
        return ((self.account.display_name or self.account.handle).lstrip("@") or "?")[0].upper()

    @property
    def over(self) -> bool:
        return any(part.over for part in self.parts)

    @property
    def domain(self) -> str:
        return urlsplit(self.link).hostname or self.link


def media_items(workspace: Workspace, info: list[dict[str, Any]]) -> tuple[MediaItem, ...]:
    """The composer's files as the platforms' rules see them: stored ones as stored, new ones as the browser read
    them (their content is checked for real once they are uploaded)."""
    ids = [int(i["id"]) for i in info if str(i.get("id", "")).isdigit()]
    stored = {asset.pk: asset for asset in MediaAsset.objects.filter(workspace=workspace, pk__in=ids)}
    items = []
    for item in info:
        if str(item.get("id", "")).isdigit():
            asset = stored.get(int(item["id"]))
            if asset is not None:
                items.append(media_item(asset))
            continue
        mime = str(item.get("mime", ""))[:100]
        kind = MediaKind.VIDEO if mime.startswith("video/") else MediaKind.IMAGE
        if mime == "application/pdf":
            kind = MediaKind.DOCUMENT
        items.append(
            MediaItem(
                path=str(item.get("name", "file"))[:200],
                kind=kind,
                mime_type=mime,
                size_bytes=_number(item.get("size")),
                width=_number(item.get("width")) or None,
                height=_number(item.get("height")) or None,
            )
        )
    return tuple(items)


def _number(value: object) -> int:
    try:
        return max(0, int(float(str(value))))
    except ValueError:
        return 0


# Where the link goes beside the text (a link card, a pin's destination), not at its end as every other connector
# sends it (their `full_text`).
LINK_APART = frozenset({"facebook", "pinterest", "webhook"})


def shown_text(platform: str, text: str, link: str) -> str:
    """The text as the platform's post reads, with the link at its end where the connector puts it there."""
    if link and link not in text and platform not in LINK_APART:
        return f"{text.rstrip()}\n\n{link}".strip()
    return text


def build_previews(
    accounts: list[SocialAccount],
    *,
    text: str,
    link: str,
    overrides: dict[int, str],
    media: tuple[MediaItem, ...],
    options: dict[int, dict[str, Any]] | None = None,
    thread: tuple[ThreadPart, ...] = (),
    thread_files: tuple[int, ...] = (),
    first_comment: str = "",
    tags: Mapping[int, Tags | None] | None = None,
) -> list[Preview]:
    """`thread` is the hand-written posts after the first and `thread_files` how many files each holds in the
    browser (stored and new); `first_comment` is shown under the post where the network takes one. `tags` are
    each account's UTM tags: the preview shows (and counts) the links as they will go out."""
    previews = []
    for account in accounts:
        own = overrides.get(account.pk, "").strip()
        connector = connector_for(account.platform)
        chosen = (options or {}).get(account.pk, {})
        written = Content(
            text=own or text, link=link, media=media, parts=thread, first_comment=first_comment, options=chosen
        )
        content = tag_content(written, (tags or {}).get(account.pk))
        body, link_out, parts_out = content.text, content.link, content.parts
        problems = (
            validate_content(connector, account, content)
            if connector
            else [f"Publishing to {platform_name(account.platform)} is not available on this server."]
        )
        # The account's own limits where its server sets them (a Mastodon instance).
        rules = connector.text_rules(account) if connector else rules_for(account.platform)
        full = shown_text(account.platform, body, link_out)
        pieces = [full]
        limit = rules.max_length
        if rules.supports_threads and limit is not None and text_length(account.platform, full, rules=rules) > limit:
            pieces = split_into_thread(account.platform, full, rules=rules) or [full]
        by_hand = bool(thread) and connector is not None and connector.capabilities.threads
        if by_hand:
            pieces = [full, *(part.text for part in parts_out)]
        parts = []
        for number, piece in enumerate(pieces):
            length = text_length(account.platform, piece, rules=rules)
            files = thread_files[number - 1] if by_hand and 0 < number <= len(thread_files) else 0
            parts.append(Part(piece, length, rules.max_length is not None and length > rules.max_length, files))
        previews.append(
            Preview(
                account=account,
                parts=parts,
                total=text_length(account.platform, full, rules=rules),
                limit=rules.max_length,
                link=link_out,
                media=len(media),
                own_text=bool(own),
                problems=problems,
                comment=comment_part(
                    account.platform,
                    content.first_comment,
                    takes=bool(connector and connector.capabilities.first_comment),
                ),
            )
        )
    return previews


def comment_part(platform: str, comment: str, *, takes: bool) -> Part | None:
    """The first comment counted as the network counts it (a post where it is a reply, else a comment)."""
    comment = comment.strip()
    if not comment or not takes:
        return None
    limit = COMMENT_LIMITS.get(platform) or rules_for(platform).max_length
    length = len(comment) if platform in COMMENT_LIMITS else text_length(platform, comment)
    return Part(comment, length, limit is not None and length > limit)


@dataclass(frozen=True)
class DayRoom:
    platform: str
    day: date
    decision: Decision

    @property
    def name(self) -> str:
        return platform_name(self.platform)


@dataclass
class Budget:
    """What scheduling the post would take, and whether the plan has room for it."""

    balance: str
    needed: int
    available: int
    queue: Decision
    days: list[DayRoom] = field(default_factory=list)

    @property
    def balance_label(self) -> str:
        return "video credits" if self.balance == Balance.VIDEO_CREDITS else "credits"

    @property
    def credits_ok(self) -> bool:
        return self.needed <= self.available


def build_budget(
    workspace: Workspace,
    accounts: list[SocialAccount],
    *,
    media: tuple[MediaItem, ...],
    at: datetime | None,
    post: Post | None,
) -> Budget:
    """Credits needed (a video credit per account when a video is attached) against what is available, counting
    what this post already holds; the queue's room; and each platform's posts on the chosen day (today when none)."""
    balance = Balance.VIDEO_CREDITS if any(m.kind == MediaKind.VIDEO for m in media) else Balance.CREDITS
    held = 0
    target_ids: list[int] = []
    in_queue = False
    if post is not None:
        target_ids = list(post.targets.values_list("pk", flat=True))
        held = CreditReservation.objects.filter(
            target_id__in=target_ids, status=ReservationStatus.PENDING, balance=balance
        ).count()
        in_queue = post.targets.filter(status__in=IN_QUEUE).exists()
    when = at or timezone.now()
    per_platform = Counter(account.platform for account in accounts)
    days = [
        DayRoom(
            platform,
            when.astimezone(workspace.zone).date(),
            can_plan_post(workspace, platform=platform, at=when, adding=count, excluding=target_ids),
        )
        for platform, count in sorted(per_platform.items())
    ]
    return Budget(
        balance=balance,
        needed=len(accounts),
        available=available_credits(workspace, balance) + held,
        queue=can_schedule(workspace, adding=0 if in_queue else 1),
        days=days,
    )
