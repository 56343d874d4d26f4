"""Keeping accounts connected: tokens refreshed well ahead of expiry (the 10-minute sweep), a token found expired or
refused at publish time renewed before anything else, and a warning before a token that cannot be renewed runs out.

Only a refresh that the platform refuses marks an account "reconnect needed"; one that fails for any other reason
(the platform is down) changes nothing and is tried again. Refreshes of one account never overlap: platforms that
rotate refresh tokens (X, TikTok) accept each one once, so a second refresh racing the first would be refused.
"""

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Literal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.platforms.base import PublishFailure, ReauthRequired, TransientError
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.platforms.registry import CONNECTORS, connector_for
from tidings.platforms.services import mark_reconnect_needed
from tidings.platforms.tokens import store_tokens
from tidings.usage.services import local_day
from tidings.workspaces.roles import Action

logger = logging.getLogger("tidings.tokens")

RefreshOutcome = Literal["refreshed", "reconnect_needed", "failed", "skipped"]
OUTCOMES: tuple[RefreshOutcome, ...] = ("refreshed", "reconnect_needed", "failed", "skipped")
# When the workspace of a token that cannot be renewed hears that it will run out.
WARN_BEFORE = (timedelta(days=7), timedelta(days=1))

_guard = threading.Lock()
_locks: dict[int, threading.Lock] = {}


@contextmanager
def _locked(account_id: int) -> Iterator[SocialAccount | None]:
    """The account as it is now, with no other refresh of it running meanwhile: its row locked on PostgreSQL
    (across processes), a lock in this process on SQLite, where one process writes and a transaction held across
    the platform's answer would stop every other writer."""
    with _guard:
        lock = _locks.setdefault(account_id, threading.Lock())
    with lock:
        accounts = SocialAccount.objects.select_related("workspace").filter(pk=account_id)
        if connection.features.has_select_for_update:
            with transaction.atomic():
                yield accounts.select_for_update(of=("self",)).first()
        else:
            yield accounts.first()


def _log(account: SocialAccount, outcome: str, *, trigger: str) -> None:
    """One line per refresh for operators: ids and the outcome, never a token."""
    fields = {"account": account.pk, "platform": account.platform, "trigger": trigger, "outcome": outcome}
    line = " ".join(f"{key}={value}" for key, value in fields.items())
    (logger.info if outcome == "refreshed" else logger.warning)("tokens.refresh %s", line, extra={"tokens": fields})


def _refresh(account: SocialAccount, *, trigger: str) -> tuple[RefreshOutcome, str]:
    connector = connector_for(account.platform)
    if account.status != AccountStatus.ACTIVE or connector is None:
        return "skipped", ""
    try:
        tokens = connector.refresh_credentials(account)
    except ReauthRequired as error:
        if mark_reconnect_needed(account.pk, reason=error.message):
            _notify_reconnect(account, reason=error.message)
        _log(account, "reconnect_needed", trigger=trigger)
        return "reconnect_needed", error.message
    except PublishFailure as error:
        _log(account, "failed", trigger=trigger)
        return "failed", error.message
    if not store_tokens(account, tokens=tokens):
        return "skipped", ""
    _log(account, "refreshed", trigger=trigger)
    return "refreshed", ""


def refresh_account(account_id: int) -> RefreshOutcome:
    """Refresh one account's tokens: "refreshed", "reconnect_needed" (the platform refused; the workspace is told
    once a day), "failed" (try again next sweep) or "skipped" (not active, or no connector)."""
    with _locked(account_id) as account:
        return "skipped" if account is None else _refresh(account, trigger="sweep")[0]


def renew_for_publish(account: SocialAccount, *, stale_token: str) -> SocialAccount:
    """New tokens for an account whose token `stale_token` expired or was refused while publishing; returns the
    account with them (or with those another refresh stored meanwhile).

    Raises ReauthRequired when the platform refused the refresh (the account is marked and its workspace told) and
    TransientError when it could not be done now (the publish is retried later, the account stays connected).
    """
    with _locked(account.pk) as current:
        if current is None or current.status != AccountStatus.ACTIVE:
            raise ReauthRequired(f"{account} needs reconnecting.", refreshable=False)
        if current.access_token != stale_token:
            return current
        outcome, message = _refresh(current, trigger="publish")
    if outcome == "refreshed":
        return current
    if outcome == "failed":
        raise TransientError(f"The sign-in of {account} could not be renewed just now: {message}")
    raise ReauthRequired(message or f"{account} needs reconnecting.", refreshable=False)


def _notify_reconnect(account: SocialAccount, *, reason: str) -> None:
    workspace = account.workspace
    notify(
        workspace,
        audience=Action.CONNECT,
        type=NotificationType.ACCOUNT_RECONNECT,
        title=f"Reconnect {account}",
        message=f"{reason} Posts to this account are skipped until you reconnect it on the Connections page.",
        dedupe_key=f"account_reconnect:{account.pk}:{local_day(workspace).isoformat()}",
        data={"account_id": account.pk, "platform": account.platform},
    )


def expiring_account_ids(*, now: datetime, within: timedelta = timedelta(0)) -> list[int]:
    """Active accounts whose token expires within their platform's `refresh_ahead` (or `within`, when longer) and
    that can be refreshed without a person: with a refresh token, or on a platform whose access token
    refreshes itself (Threads)."""
    due = Q()
    for platform, connector in CONNECTORS.items():
        rule = Q(platform=platform, token_expires_at__lte=now + max(connector.refresh_ahead, within))
        if not connector.refreshes_with_access_token:
            rule &= ~Q(refresh_token="")
        due |= rule
    if not due:
        return []
    accounts = SocialAccount.objects.filter(due, status=AccountStatus.ACTIVE, token_expires_at__isnull=False)
    return list(accounts.order_by("token_expires_at", "pk").values_list("pk", flat=True))


def refresh_expiring_tokens(*, now: datetime, within: timedelta = timedelta(0)) -> dict[str, int]:
    """The sweep: refresh every account whose token runs out soon; how many ended which way."""
    counts = Counter(refresh_account(account_id) for account_id in expiring_account_ids(now=now, within=within))
    return {outcome: counts[outcome] for outcome in OUTCOMES}


def warn_expiring_tokens(*, now: datetime | None = None) -> int:
    """Tell the workspace of each token that cannot be renewed (LinkedIn without a refresh token) that it runs out,
    7 days and again 1 day before; how many were told now. Each warning is sent once per token and stage."""
    now = now or timezone.now()
    refreshing_alone = [p for p, c in CONNECTORS.items() if c.refreshes_with_access_token]
    soon = (
        SocialAccount.objects.select_related("workspace")
        .filter(status=AccountStatus.ACTIVE, token_expires_at__gt=now, token_expires_at__lte=now + WARN_BEFORE[0])
        .filter(refresh_token="")
        .exclude(platform__in=refreshing_alone)
    )
    told = 0
    for account in soon:
        connector = connector_for(account.platform)
        if connector is None or connector.can_refresh(account, now=now) or account.token_expires_at is None:
            continue
        left = account.token_expires_at - now
        stage = min(window for window in WARN_BEFORE if left <= window)
        told += _warn(account, stage)
    return told


def _warn(account: SocialAccount, stage: timedelta) -> int:
    workspace, expires = account.workspace, account.token_expires_at
    assert expires is not None
    local = timezone.localtime(expires, workspace.zone)
    when = f"{local:%A %d %B %Y at %H:%M} ({workspace.time_zone})"
    within = "a day" if stage <= timedelta(days=1) else f"{stage.days} days"
    platform = account.get_platform_display()
    created = notify(
        workspace,
        audience=Action.CONNECT,
        type=NotificationType.ACCOUNT_RECONNECT,
        title=f"Reconnect {account} within {within}",
        message=(
            f"The sign-in of {account} ends on {when}, and {platform} does not let Tidings renew it. Reconnect the "
            "account on the Connections page before then: it keeps its posts and history, and posts due after "
            "that time are skipped until you do."
        ),
        dedupe_key=f"token_expiring:{account.pk}:{int(expires.timestamp())}:{stage.days}d",
        data={"account_id": account.pk, "platform": account.platform, "expires_at": expires.isoformat()},
    )
    return int(bool(created))
