"""A sign-in that can post as several accounts (Pages, organisations, channels): what it found waits, encrypted,
until the person who signed in picks; each pick becomes its own connected account of the workspace, under the
plan's per-platform limit.

A pending connection belongs to the person who signed in (only they are shown the pick page) and records the
workspace they signed in for; it lives `PENDING_LIFETIME` and is deleted once used, so its tokens do not outlast
the choice they were fetched for.
"""

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.core.errors import InvalidInput, NotFound
from tidings.credits.services import lock_workspace
from tidings.platforms.base import Identity, TokenSet
from tidings.platforms.models import AccountStatus, PendingConnection, Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.tiers.checks import Decision, can_connect
from tidings.tiers.services import refuse
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

PENDING_LIFETIME = timedelta(minutes=30)
EXPIRED = "This choice has expired or was already used; connect the account again."
# `SocialAccount.options["kind"]` as the pick page says it.
KINDS = {
    "member": "Your profile",
    "organization": "Organisation page",
    "page": "Page",
    "professional": "Professional account",
    "channel": "Channel",
}


@dataclass(frozen=True)
class Choice:
    """One account a sign-in can post as, as the pick page shows it."""

    external_id: str
    handle: str
    display_name: str
    kind: str  # what it is, in words: "Organisation page", "Your profile", ...
    via: str  # how the person reaches it, when not directly: "Business Manager: Acme Ltd"
    connected: bool  # connected already (active or needing a reconnect): picking it reconnects, using no slot

    @property
    def name(self) -> str:
        return self.display_name or self.handle

    @property
    def detail(self) -> str:
        """What it is, and its handle where the name is not the handle."""
        return " · ".join(part for part in (self.kind, self.handle if self.handle != self.name else "") if part)

    @property
    def initials(self) -> str:
        words = self.name.lstrip("@").split()
        return "".join(word[0] for word in words[:2]).upper() or "?"


@dataclass(frozen=True)
class PendingPick:
    pending: PendingConnection
    platform: str
    choices: list[Choice]
    decision: Decision
    # How many more accounts of this platform the plan allows; None for unlimited.
    remaining: int | None


def hold_choices(actor: Actor, *, platform: str, found: list[tuple[Identity, TokenSet]]) -> PendingConnection:
    """Keep what a sign-in found until the person who signed in picks; their earlier pending pick of the same
    platform for the same workspace is replaced."""
    actor.require(Action.CONNECT)
    user = _signed_in(actor)
    PendingConnection.objects.filter(created_at__lt=timezone.now() - PENDING_LIFETIME).delete()
    PendingConnection.objects.filter(user=user, workspace=actor.workspace, platform=platform).delete()
    entries = [_entry(identity, tokens) for identity, tokens in found]
    return PendingConnection.objects.create(
        user=user, workspace=actor.workspace, platform=platform, choices=json.dumps(entries)
    )


def pending_pick(actor: Actor, pending_id: int) -> PendingPick:
    """What the pick page shows; NotFound for another person's, another workspace's, an expired or a used pending
    connection."""
    pending = _pending(actor, pending_id)
    live = _live_ids(actor.workspace, pending.platform)
    choices = [
        Choice(
            entry["external_id"],
            entry["handle"],
            entry["display_name"],
            KINDS.get(str(entry["options"].get("kind") or ""), ""),
            str(entry["options"].get("via") or ""),
            entry["external_id"] in live,
        )
        for entry in _entries(pending)
    ]
    decision = can_connect(actor.workspace, platform=pending.platform)
    remaining = None if decision.limit is None else max(decision.limit - decision.used, 0)
    return PendingPick(pending, pending.platform, choices, decision, remaining)


def pick_choices(actor: Actor, pending_id: int, *, external_ids: list[str]) -> list[SocialAccount]:
    """Connect the picked accounts, all or none: a pick over the plan's limit connects nothing and keeps the
    pending choices, so the person can pick fewer. The pending connection is read under the workspace's lock, so
    two picks sent at once connect from it once."""
    actor.require(Action.CONNECT)
    picked = list(dict.fromkeys(external_ids))
    refusal: Decision | None = None
    accounts: list[SocialAccount] = []
    with transaction.atomic():
        locked = lock_workspace(actor.workspace.pk)
        pending = _pending(actor, pending_id)
        if not picked:
            raise InvalidInput("Pick at least one account to connect.")
        entries = {entry["external_id"]: entry for entry in _entries(pending)}
        if any(external_id not in entries for external_id in picked):
            raise InvalidInput("That account was not among the ones this sign-in found; pick from the list.")
        live = _live_ids(locked, pending.platform)
        adding = len([external_id for external_id in picked if external_id not in live])
        decision = can_connect(locked, platform=pending.platform)
        if decision.limit is not None and decision.used + adding > decision.limit:
            refusal = _over(decision, adding)
        else:
            accounts = [_connect(actor, pending.platform, entries[external_id]) for external_id in picked]
            pending.delete()
    if refusal is not None:
        refuse(actor.workspace, refusal, by=actor.user)
    return accounts


def discard_choices(actor: Actor, pending_id: int) -> None:
    """The person chose none: forget what their sign-in found, its tokens with it. Only the person who signed in,
    in the workspace they signed in for, has such a choice; to anyone else it does not exist."""
    deleted, _ = PendingConnection.objects.filter(pk=pending_id, user=actor.user, workspace=actor.workspace).delete()
    if not deleted:
        raise NotFound("There is no such choice waiting; connect the account again.")


def _signed_in(actor: Actor) -> User:
    """The person who signed in to the platform: Tidings itself never does."""
    if actor.user is None:
        raise RuntimeError("Only a person signs in to a platform; there are no choices to hold for the system.")
    return actor.user


def _pending(actor: Actor, pending_id: int) -> PendingConnection:
    cutoff = timezone.now() - PENDING_LIFETIME
    pending = PendingConnection.objects.filter(
        pk=pending_id, user=actor.user, workspace=actor.workspace, created_at__gte=cutoff
    ).first()
    if pending is None:
        raise NotFound(EXPIRED)
    return pending


def _entries(pending: PendingConnection) -> list[dict[str, Any]]:
    entries = json.loads(pending.choices)
    return [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []


def _live_ids(workspace: Workspace, platform: str) -> set[str]:
    accounts = SocialAccount.objects.filter(workspace=workspace, platform=platform).exclude(
        status=AccountStatus.DISCONNECTED
    )
    return set(accounts.values_list("external_id", flat=True))


def _over(decision: Decision, adding: int) -> Decision:
    label = Platform(decision.platform).label if decision.platform in Platform.values else decision.platform
    room = max((decision.limit or 0) - decision.used, 0)
    reason = (
        f"You picked {adding} new {label} account{'s' if adding != 1 else ''}, but your plan has room for {room} "
        f"more ({decision.used} of {decision.limit} connected). Nothing was connected: pick fewer, or upgrade."
    )
    return replace(decision, allowed=False, reason=reason)


def _entry(identity: Identity, tokens: TokenSet) -> dict[str, Any]:
    return {
        "external_id": identity.external_id,
        "handle": identity.handle,
        "display_name": identity.display_name,
        "base_url": identity.base_url,
        "options": dict(identity.options),
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_at": tokens.expires_at.isoformat() if tokens.expires_at else None,
        "scope": tokens.scope,
    }


def _connect(actor: Actor, platform: str, entry: dict[str, Any]) -> SocialAccount:
    # Another request connecting one meanwhile makes `connect_account` refuse: the whole pick rolls back.
    return connect_account(
        actor,
        platform=Platform(platform),
        external_id=entry["external_id"],
        handle=entry["handle"],
        display_name=entry["display_name"],
        base_url=entry["base_url"],
        access_token=entry["access_token"],
        refresh_token=entry["refresh_token"],
        token_expires_at=datetime.fromisoformat(entry["expires_at"]) if entry["expires_at"] else None,
        scopes=entry["scope"],
        options=entry["options"],
    )
