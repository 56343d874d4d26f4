"""Connecting accounts (OAuth sign-in or credentials); keeping their tokens fresh is `renewal`'s.

The connectors talk to the platforms; these services check the plan, the OAuth `state`, store what comes back
(`connect_account` encrypts the tokens) and turn a platform's refusal into a `DomainError` the UI can show.
"""

import secrets
from dataclasses import dataclass

from tidings.core.errors import ConnectFailed, InvalidInput, OAuthStateMismatch, PlatformUnavailable
from tidings.platforms.base import AuthorizationRequest, Connector, Identity, PublishFailure, TokenSet
from tidings.platforms.choices import hold_choices
from tidings.platforms.config import availability, redirect_uri
from tidings.platforms.models import AccountStatus, PendingConnection, Platform, SocialAccount
from tidings.platforms.registry import connector_for
from tidings.platforms.services import connect_account
from tidings.tiers.checks import Decision, can_connect
from tidings.tiers.services import refuse
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action


@dataclass(frozen=True)
class PlatformStatus:
    """One row of the connections page."""

    platform: str
    label: str
    available: bool
    reason: str
    connect_method: str
    decision: Decision


def platform_statuses(workspace: Workspace) -> list[PlatformStatus]:
    rows = []
    for platform in Platform:
        found = availability(platform)
        connector = connector_for(platform)
        method = connector.connect_method if connector else ""
        decision = can_connect(workspace, platform=platform)
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


def _check_plan(actor: Actor, platform: str) -> None:
    """Refuse a connection the actor's role does not allow, or a new one over the plan's limit, before asking the
    platform. An account that needs reconnecting may be the one coming back, so it is let through;
    `connect_account` checks again under lock."""
    actor.require(Action.CONNECT)
    workspace = actor.workspace
    decision = can_connect(workspace, platform=platform)
    if decision.allowed:
        return
    coming_back = SocialAccount.objects.filter(
        workspace=workspace, platform=platform, status=AccountStatus.RECONNECT_NEEDED
    )
    if coming_back.exists():
        return
    refuse(workspace, decision, by=actor.user)


def start_connect(actor: Actor, *, platform: str, instance: str = "") -> AuthorizationRequest:
    """Where to send the person to sign in; keep `session_entry(request)` in their session for the callback."""
    connector = _connector(platform, "oauth")
    _check_plan(actor, platform)
    try:
        return connector.start_connect(redirect_uri=redirect_uri(platform), instance=instance.strip())
    except PublishFailure as error:
        raise ConnectFailed(error.message, platform=platform) from None


def session_entry(request: AuthorizationRequest) -> dict[str, str]:
    """What the session keeps between the redirect and the callback."""
    return {**request.session_data, "state": request.state}


def finish_connect(
    actor: Actor, *, platform: str, code: str, state: str, session_data: dict[str, str] | None
) -> SocialAccount | PendingConnection:
    """The callback: `state` must be the one this session started with; then exchange the code and store.

    A sign-in that can post as one account connects it; one that found several keeps them for the person who
    signed in to pick (`choices`), and one that found none says what to do."""
    actor.require(Action.CONNECT)
    expected = (session_data or {}).get("state", "")
    if not expected or not state or not secrets.compare_digest(state.encode(), expected.encode()):
        raise OAuthStateMismatch("This sign-in was not started here, or has expired. Start connecting again.")
    if not code:
        raise ConnectFailed("The platform sent no authorization code. Start connecting again.", platform=platform)
    connector = _connector(platform, "oauth")
    data = {key: value for key, value in (session_data or {}).items() if key != "state"}
    try:
        found = connector.connect_choices(code=code, redirect_uri=redirect_uri(platform), session_data=data)
    except PublishFailure as error:
        raise ConnectFailed(error.message, platform=platform) from None
    if not found:
        label = Platform(platform).label
        raise ConnectFailed(f"This {label} sign-in has no account Tidings can post as.", platform=platform)
    if len(found) > 1:
        return hold_choices(actor, platform=platform, found=found)
    return _store(actor, platform, *found[0])


def connect_with_credentials(actor: Actor, *, platform: str, fields: dict[str, str]) -> SocialAccount:
    """Platforms without OAuth (Bluesky app passwords, webhooks): check the credentials with the platform."""
    connector = _connector(platform, "credentials")
    _check_plan(actor, platform)
    try:
        identity, tokens = connector.connect_with_credentials(fields)
    except PublishFailure as error:
        raise ConnectFailed(error.message, platform=platform) from None
    return _store(actor, platform, identity, tokens)


def _store(actor: Actor, platform: str, identity: Identity, tokens: TokenSet) -> SocialAccount:
    return connect_account(
        actor,
        platform=Platform(platform),
        external_id=identity.external_id,
        handle=identity.handle,
        display_name=identity.display_name,
        base_url=identity.base_url,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        token_expires_at=tokens.expires_at,
        scopes=tokens.scope,
        options=identity.options,
    )
