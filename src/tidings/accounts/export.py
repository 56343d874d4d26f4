"""Everything Tidings keeps about a user, as one JSON document they can download and keep (their right to a copy):
what is theirs as a person (profile, notifications, API tokens, memberships) and what their personal workspace
holds (plan, accounts, posts, media, credits, rules). Shared workspaces are their members' together, not one
person's to take away, so they are named (with the role) but not copied.

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
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.services import personal_workspace

FORMAT = "tidings-export/1"


# Each kind the document lists from the personal workspace: its rows and the fields it shows.
WORKSPACE_KINDS: dict[str, tuple[Callable[[Workspace], QuerySet[Any]], tuple[str, ...]]] = {
    "accounts": (
        lambda workspace: SocialAccount.objects.filter(workspace=workspace),
        ("id", "platform", "handle", "display_name", "base_url", "status", "status_reason", "created_at"),
    ),
    "posts": (
        lambda workspace: Post.objects.filter(workspace=workspace),
        (
            "id",
            "author_id",
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
        lambda workspace: PostTarget.objects.filter(post__workspace=workspace),
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
        lambda workspace: MediaAsset.objects.filter(workspace=workspace),
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
        lambda workspace: CreditLedgerEntry.objects.filter(workspace=workspace),
        ("id", "kind", "balance", "amount", "balance_after", "reason", "cycle_start", "created_at"),
    ),
    "reservations": (
        lambda workspace: CreditReservation.objects.filter(workspace=workspace),
        ("id", "target_id", "balance", "amount", "status", "reason", "created_at", "settled_at"),
    ),
    "automation_rules": (
        lambda workspace: AutomationRule.objects.filter(workspace=workspace),
        ("id", "name", "enabled", "schedule", "brief", "review", "last_run_at", "created_at"),
    ),
}
# And the person's own, from every workspace.
PERSONAL_KINDS: dict[str, tuple[Callable[[User], QuerySet[Any]], tuple[str, ...]]] = {
    "memberships": (
        lambda user: Membership.objects.filter(user=user),
        ("workspace_id", "workspace__name", "role", "joined_at"),
    ),
    "notifications": (
        lambda user: Notification.objects.filter(user=user),
        ("id", "workspace_id", "type", "title", "message", "data", "created_at", "read_at"),
    ),
    "api_tokens": (
        lambda user: ApiToken.objects.filter(user=user),
        ("id", "workspace_id", "name", "prefix", "scopes", "created_at", "last_used_at", "expires_at", "revoked_at"),
    ),
}


def export_user_data(user: User) -> dict[str, Any]:
    """The user's profile, memberships, notifications and API tokens, and their personal workspace's plan,
    accounts, posts and their targets, media, ledger, reservations and rules: one query per kind, each list in the
    order it happened."""
    workspace = personal_workspace(user)
    document: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": timezone.now(),
        "profile": _profile(user),
        "workspace": _workspace(workspace),
    }
    for kind, (of_person, fields) in PERSONAL_KINDS.items():
        document[kind] = list(of_person(user).order_by("pk").values(*fields))
    for kind, (of_workspace, fields) in WORKSPACE_KINDS.items():
        document[kind] = list(of_workspace(workspace).order_by("pk").values(*fields))
    document["media"] = [{**row, "file": _media_url(str(row["file"]))} for row in document["media"]]
    return document


def _profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "notification_preferences": user.notification_preferences,
        "date_joined": user.date_joined,
    }


def _workspace(workspace: Workspace) -> dict[str, Any]:
    return {
        "id": workspace.pk,
        "name": workspace.name,
        "time_zone": workspace.time_zone,
        "plan": workspace.tier,
        "credits": workspace.credits,
        "video_credits": workspace.video_credits,
        "next_credit_reset": None if workspace.awaiting_first_cycle else workspace.next_credit_reset,
    }


def _media_url(name: str) -> str:
    return default_storage.url(name) if name else ""
