"""Connecting accounts (OAuth sign-in or credentials) and keeping their tokens fresh.

The connectors talk to the platforms; these services check the plan, the OAuth `state`, store what comes back
(`connect_account` encrypts the tokens) and turn a platform's refusal into a `DomainError` the UI can show.
"""

import logging
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from tidings.accounts.models import User
from tidings.core.errors import ConnectFailed, InvalidInput, OAuthStateMismatch, PlatformUnavailable
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.platforms.base import AuthorizationRequest, Connector, Identity, PublishFailure, ReauthRequired, TokenSet
from tidings.platforms.config import availability, redirect_uri
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.platforms.registry import connector_for
from tidings.platforms.services import connect_account, mark_reconnect_needed
from tidings.platforms.tokens import store_tokens
from tidings.tiers.checks import Decision, can_connect
from tidings.tiers.services import refuse
from tidings.usage.services import local_day

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlatformStatus:
    """One row of the connections page."""

    platform: str
    label: str
    available: bool
    reason: str
    connect_method: str
    decision: Decision


def platform_statuses(user: User) -> list[PlatformStatus]:
    rows = []
    for platform in Platform:
        found = availability(platform)
        connector = connector_for(platform)
        method = connector.connect_method if connector else ""
        decision = can_connect(user, platform=platform)
        rows.append(PlatformStatus(platform, str(platform.label), found.available, found.reason, method, decision))
    return rows


def _connector(platform: str, method: str) -> Connector:
    if platform not in Platform.values:
        raise PlatformUnavailable("No such platform.", platform=platform)
    found = availability(platform)
    connector = connector_for(platform)
    if connector is None or not found.available:
        raise PlatformUnavailable(found.reason, platform=platform)
    if connector.connect_method != method:
        how = "with a sign-in page" if connector.connect_method == "oauth" else "with credentials"
        raise InvalidInput(f"{Platform(platform).label} accounts connect {how}.", platform=platform)
    return connector


def _check_plan(user: User, platform: str) -> None:
    """Refuse a new connection over the plan's limit before asking the platform. An account that needs
    reconnecting may be the one coming back, so it is let through; `connect_account` checks again under lock."""
    decision = can_connect(user, platform=platform)
    if decision.allowed:
        return
    if SocialAccount.objects.filter(user=user, platform=platform, status=AccountStatus.RECONNECT_NEEDED).exists():
        return
    refuse(user, decision)


def start_connect(user: User, *, platform: str, instance: str = "") -> AuthorizationRequest:
    """Where to send the user to sign in; keep `session_entry(request)` in their session for the callback."""
    connector = _connector(platform, "oauth")
    _check_plan(user, platform)
    try:
        return connector.start_connect(redirect_uri=redirect_uri(platform), instance=instance.strip())
    except PublishFailure as error:
        raise ConnectFailed(error.message, platform=platform) from None


def session_entry(request: AuthorizationRequest) -> dict[str, str]:
    """What the session keeps between the redirect and the callback."""
    return {**request.session_data, "state": request.state}


def finish_connect(
    user: User, *, platform: str, code: str, state: str, session_data: dict[str, str] | None
) -> SocialAccount:
    """The callback: `state` must be the one this session started with; then exchange the code and store."""
    expected = (session_data or {}).get("state", "")
    if not expected or not state or not secrets.compare_digest(state.encode(), expected.encode()):
        raise OAuthStateMismatch("This sign-in was not started here, or has expired. Start connecting again.")
    if not code:
        raise ConnectFailed("The platform sent no authorization code. Start connecting again.", platform=platform)
    connector = _connector(platform, "oauth")
    data = {key: value for key, value in (session_data or {}).items() if key != "state"}
    try:
        identity, tokens = connector.finish_connect(code=code, redirect_uri=redirect_uri(platform), session_data=data)
    except PublishFailure as error:
        raise ConnectFailed(error.message, platform=platform) from None
    return _store(user, platform, identity, tokens)


def connect_with_credentials(user: User, *, platform: str, fields: dict[str, str]) -> SocialAccount:
    """Platforms without OAuth (Bluesky app passwords, webhooks): check the credentials with the platform."""
    connector = _connector(platform, "credentials")
    _check_plan(user, platform)
    try:
        identity, tokens = connector.connect_with_credentials(fields)
    except PublishFailure as error:
        raise ConnectFailed(error.message, platform=platform) from None
    return _store(user, platform, identity, tokens)


def _store(user: User, platform: str, identity: Identity, tokens: TokenSet) -> SocialAccount:
    return connect_account(
        user,
        platform=Platform(platform),
        external_id=identity.external_id,
        handle=identity.handle,
        display_name=identity.display_name,
        base_url=identity.base_url,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        token_expires_at=tokens.expires_at,
        scopes=tokens.scope,
    )


def refresh_account(account_id: int) -> str:
    """Refresh one account's tokens: "refreshed", "reconnect_needed" (the platform refused; the user is told once
    a day), "failed" (try again next sweep) or "skipped" (not active, or no connector)."""
    account = SocialAccount.objects.select_related("user").filter(pk=account_id, status=AccountStatus.ACTIVE).first()
    connector = connector_for(account.platform) if account else None
    if account is None or connector is None:
        return "skipped"
    try:
        tokens = connector.refresh_credentials(account)
    except ReauthRequired as error:
        if mark_reconnect_needed(account.pk, reason=error.message):
            _notify_reconnect(account, reason=error.message)
        return "reconnect_needed"
    except PublishFailure as error:
        logger.warning("Refreshing account %s failed: %s", account.pk, error.message)
        return "failed"
    return "refreshed" if store_tokens(account, tokens=tokens) else "skipped"


def _notify_reconnect(account: SocialAccount, *, reason: str) -> None:
    user = account.user
    notify(
        user,
        type=NotificationType.ACCOUNT_RECONNECT,
        title=f"Reconnect {account}",
        message=f"{reason} Posts to this account are skipped until you reconnect it on the Connections page.",
        dedupe_key=f"account_reconnect:{account.pk}:{local_day(user).isoformat()}",
        data={"account_id": account.pk, "platform": account.platform},
    )


def expiring_account_ids(*, now: datetime, within: timedelta) -> list[int]:
    """Active accounts with a refresh token whose access token expires before `now + within`."""
    due = SocialAccount.objects.filter(
        status=AccountStatus.ACTIVE, token_expires_at__isnull=False, token_expires_at__lte=now + within
    ).exclude(refresh_token="")
    return list(due.order_by("token_expires_at", "pk").values_list("pk", flat=True))


def refresh_expiring_tokens(*, now: datetime, within: timedelta) -> dict[str, int]:
    """The sweep: refresh every account whose token runs out soon; how many ended which way."""
    counts = Counter(refresh_account(account_id) for account_id in expiring_account_ids(now=now, within=within))
    return {outcome: counts[outcome] for outcome in ("refreshed", "reconnect_needed", "failed", "skipped")}
