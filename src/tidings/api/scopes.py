"""What a token may do. Each API operation names the one scope it needs; `events` also needs a staff user."""

from typing import Literal

Scope = Literal[
    "posts:read",
    "posts:write",
    "accounts:read",
    "accounts:write",
    "generate",
    "automation",
    "notifications",
    "credits:read",
    "tokens",
    "workspace:read",
    "workspace:write",
    "webhooks:read",
    "webhooks:write",
    "events",
]

SCOPES: dict[Scope, str] = {
    "posts:read": "Read posts and their targets",
    "posts:write": "Create, edit, schedule, cancel and delete posts",
    "accounts:read": "List connected accounts",
    "accounts:write": "Disconnect accounts",
    "generate": "Write drafts with AI (counts against the daily generation limit)",
    "automation": "Read and change automation rules",
    "notifications": "Read notifications and mark them read",
    "credits:read": "Read the credit balance, reservations, ledger and usage",
    "tokens": "List, create (with no more scopes than this token) and revoke API tokens",
    "workspace:read": "Read the workspaces, their members and open invitations",
    "workspace:write": "Invite and remove members, change their roles, hand a workspace over",
    "webhooks:read": "List webhook endpoints (without their secrets) and their deliveries",
    "webhooks:write": "Add, change and remove webhook endpoints, see their secrets, test them and redeliver",
    "events": "Start the product's jobs by event name (staff only)",
}
STAFF_ONLY = frozenset({"events"})


def scopes_for(*, is_staff: bool) -> list[Scope]:
    """The scopes a user may give a token."""
    return [scope for scope in SCOPES if is_staff or scope not in STAFF_ONLY]
