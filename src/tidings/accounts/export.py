"""Everything Tidings keeps about a user, as one JSON document they can download and keep (their right to a copy).

Secrets stay out: no password hash, no platform tokens, no AI key, no API token secrets. Files are listed with
their address and details; the files themselves stay where they are.
"""

from collections.abc import Callable
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils import timezone

from tidings.accounts.models import User
from tidings.api.models import ApiToken
from tidings.automation.models import AutomationRule
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.notifications.models import Notification
from tidings.platforms.models import SocialAccount
from tidings.posts.models import MediaAsset, Post, PostTarget

FORMAT = "tidings-export/1"


# Each kind the document lists: its rows (the user's own) and the fields it shows, in the order they happened.
KINDS: dict[str, tuple[Callable[[User], QuerySet[Any]], tuple[str, ...]]] = {
    "accounts": (
        lambda user: SocialAccount.objects.filter(user=user),
        ("id", "platform", "handle", "display_name", "base_url", "status", "status_reason", "created_at"),
    ),
    "posts": (
        lambda user: Post.objects.filter(user=user),
        (
            "id",
            "text",
            "link",
            "thread_parts",
            "first_comment",
            "scheduled_at",
            "draft_reason",
            "automation_rule_id",
            "created_at",
        ),
    ),
    "targets": (
        lambda user: PostTarget.objects.filter(post__user=user),
        (
            "id",
            "post_id",
            "account_id",
            "platform",
            "text_override",
            "status",
            "scheduled_at",
            "attempts",
            "external_id",
            "external_url",
            "error",
            "published_at",
            "updated_at",
        ),
    ),
    "media": (
        lambda user: MediaAsset.objects.filter(user=user),
        (
            "id",
            "post_id",
            "position",
            "part",
            "file",
            "kind",
            "mime_type",
            "size_bytes",
            "width",
            "height",
            "duration_seconds",
            "alt_text",
            "created_at",
        ),
    ),
    "ledger": (
        lambda user: CreditLedgerEntry.objects.filter(user=user),
        ("id", "kind", "balance", "amount", "balance_after", "reason", "cycle_start", "created_at"),
    ),
    "reservations": (
        lambda user: CreditReservation.objects.filter(user=user),
        ("id", "target_id", "balance", "amount", "status", "reason", "created_at", "settled_at"),
    ),
    "notifications": (
        lambda user: Notification.objects.filter(user=user),
        ("id", "type", "title", "message", "data", "created_at", "read_at"),
    ),
    "automation_rules": (
        lambda user: AutomationRule.objects.filter(user=user),
        ("id", "name", "enabled", "schedule", "brief", "review", "last_run_at", "created_at"),
    ),
    "api_tokens": (
        lambda user: ApiToken.objects.filter(user=user),
        ("id", "name", "prefix", "scopes", "created_at", "last_used_at", "expires_at", "revoked_at"),
    ),
}


def export_user_data(user: User) -> dict[str, Any]:
    """The user's profile, accounts, posts and their targets, media, ledger, reservations, notifications, rules and
    API tokens: one query per kind, each list in the order it happened."""
    document: dict[str, Any] = {"format": FORMAT, "exported_at": timezone.now(), "profile": _profile(user)}
    for kind, (rows, fields) in KINDS.items():
        document[kind] = list(rows(user).order_by("pk").values(*fields))
    document["media"] = [{**row, "file": _media_url(str(row["file"]))} for row in document["media"]]
    return document


def _profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "time_zone": user.time_zone,
        "plan": user.tier,
        "credits": user.credits,
        "video_credits": user.video_credits,
        "next_credit_reset": None if user.awaiting_email_confirmation else user.next_credit_reset,
        "notification_preferences": user.notification_preferences,
        "date_joined": user.date_joined,
    }


def _media_url(name: str) -> str:
    return default_storage.url(name) if name else ""
