"""Connected accounts: adding one under the plan's per-platform limit, marking, disconnecting, testing a webhook."""

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.credits.services import lock_workspace
from tidings.platforms.base import PublishFailure
from tidings.platforms.connectors.webhook import WebhookConnector
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.platforms.registry import connector_for
from tidings.tiers.checks import can_connect
from tidings.tiers.services import TierLimitReached, refuse
from tidings.webhooks.events import emit
from tidings.webhooks.models import EventType
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action


def connect_account(
    actor: Actor,
    *,
    platform: Platform,
    external_id: str,
    handle: str,
    access_token: str = "",
    refresh_token: str = "",
    token_expires_at: datetime | None = None,
    base_url: str = "",
    display_name: str = "",
    scopes: str = "",
    options: Mapping[str, Any] | None = None,
) -> SocialAccount:
    """Connect an account, or refresh the tokens of one already connected: reconnecting keeps the same row, so its
    posts and history stay with it, and the standing choices made on it (`kept_options`)."""
    actor.require(Action.CONNECT)
    workspace = actor.workspace
    credentials = {
        "handle": handle,
        "display_name": display_name,
        "access_token": access_token,
        "refresh_token": refresh_token,
        "token_expires_at": token_expires_at,
        "base_url": base_url,
        "scopes": scopes,
        "status": AccountStatus.ACTIVE,
        "status_reason": "",
    }
    try:
        with transaction.atomic():
            locked = lock_workspace(workspace.pk)
            existing = SocialAccount.objects.filter(
                workspace=workspace, platform=platform, external_id=external_id
            ).first()
            if existing is None or existing.status == AccountStatus.DISCONNECTED:
                decision = can_connect(locked, platform=platform)
                if not decision.allowed:
                    raise TierLimitReached(decision)
            if existing is None:
                return SocialAccount.objects.create(
                    workspace=workspace,
                    platform=platform,
                    external_id=external_id,
                    options=dict(options or {}),
                    **credentials,
                )
            # A platform that did not send a new refresh token (Google on a repeated consent, LinkedIn) left the
            # stored one valid: reconnecting keeps it.
            credentials["refresh_token"] = refresh_token or existing.refresh_token
            existing.options = kept_options(existing.options or {}, options or {})
            for name, value in credentials.items():
                setattr(existing, name, value)
            existing.save()
            return existing
    except TierLimitReached as refusal:
        refuse(workspace, refusal.decision, by=actor.user)
    except IntegrityError:
        raise Conflict("This account was connected at the same moment by another request; try again.") from None


def kept_options(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """What a reconnect stores: what the platform says now, except a default board the user chose, kept while the
    board is still among the account's boards."""
    merged = {**old, **new}
    board_ids = {str(board.get("id")) for board in new.get("boards") or [] if isinstance(board, dict)}
    if old.get("board_id") and str(old["board_id"]) in board_ids:
        merged["board_id"] = old["board_id"]
    return merged


def get_account(workspace: Workspace, account_id: int) -> SocialAccount:
    """One of the workspace's accounts; NotFound for any other, so another workspace's accounts stay unseen."""
    try:
        return SocialAccount.objects.get(pk=account_id, workspace=workspace)
    except SocialAccount.DoesNotExist:
        raise NotFound("No such connected account.") from None


def mark_reconnect_needed(account_id: int, *, reason: str) -> bool:
    """Flag an account whose credentials stopped working, and tell the workspace's tools; True when this call
    changed it."""
    with transaction.atomic():
        changed = bool(
            SocialAccount.objects.filter(pk=account_id, status=AccountStatus.ACTIVE).update(
                status=AccountStatus.RECONNECT_NEEDED, status_reason=reason[:500]
            )
        )
        if changed:
            announce_reconnect_needed(SocialAccount.objects.select_related("workspace").get(pk=account_id))
    return changed


def announce_reconnect_needed(account: SocialAccount) -> None:
    """`account.reconnect_needed`, named by the account and the moment it was flagged."""
    data = {
        "account": {"id": account.pk, "platform": account.platform, "handle": account.handle},
        "reason": account.status_reason,
    }
    key = f"account:{account.pk}:{timezone.now().isoformat()}"
    emit(account.workspace, EventType.ACCOUNT_RECONNECT_NEEDED, data, key=key)


def disconnect_account(actor: Actor, account_id: int) -> SocialAccount:
    """Forget the account's tokens; its post history stays. Posts scheduled to it stay scheduled, holding their
    credits: when each comes due it is skipped (the account cannot be used) and its credit returned, unless the
    same account is connected again before then (`platforms.selectors.disconnect_effects` lists them)."""
    actor.require(Action.CONNECT)
    account = get_account(actor.workspace, account_id)
    SocialAccount.objects.filter(pk=account.pk).update(
        status=AccountStatus.DISCONNECTED, access_token="", refresh_token="", token_expires_at=None
    )
    account.refresh_from_db()
    return account


@dataclass(frozen=True)
class WebhookTest:
    ok: bool
    message: str


def send_webhook_test(actor: Actor, account_id: int) -> WebhookTest:
    """POST a signed test event to one of the workspace's webhooks, through the same client and address guard as its
    posts, and say how it answered. Nothing is published or charged."""
    actor.require(Action.CONNECT)
    account = get_account(actor.workspace, account_id)
    connector = connector_for(account.platform)
    if not isinstance(connector, WebhookConnector):
        raise InvalidInput("Only webhook accounts can be sent a test.")
    if account.status == AccountStatus.DISCONNECTED:
        raise Conflict("This webhook is disconnected; connect it again to send it a test.")
    started = time.monotonic()
    try:
        response = connector.send_test(account)
    except PublishFailure as error:
        return WebhookTest(False, error.message)
    took = round((time.monotonic() - started) * 1000)
    if response.is_success:
        return WebhookTest(True, f"The webhook answered {response.status_code} in {took} ms: it is ready for posts.")
    if response.status_code in (401, 403):
        return WebhookTest(False, f"The webhook answered {response.status_code}: it did not accept the signature.")
    return WebhookTest(False, f"The webhook answered {response.status_code}: {response.text[:200]}".strip())
