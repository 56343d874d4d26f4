"""The connections pages: platforms and accounts, OAuth start and callback, credential forms, disconnecting and
sending a webhook a test.

Every query is scoped to the workspace the signed-in person acts in; every change is a POST with CSRF. The OAuth
`state` and PKCE verifier live in the server-side session between the redirect and the callback, and are used
once.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tidings.core.errors import DomainError, NotFound
from tidings.platforms.boards import account_boards, choose_default_board, refresh_boards
from tidings.platforms.choices import discard_choices, pending_pick, pick_choices
from tidings.platforms.connect import (
    connect_with_credentials,
    finish_connect,
    platform_statuses,
    session_entry,
    start_connect,
)
from tidings.platforms.forms import CREDENTIAL_FORMS, StartConnectForm, form_fields
from tidings.platforms.models import AccountStatus, PendingConnection, Platform, SocialAccount
from tidings.platforms.registry import connector_for
from tidings.platforms.selectors import DisconnectEffect, disconnect_effects
from tidings.platforms.services import WebhookTest, disconnect_account, send_webhook_test
from tidings.tiers.checks import accounts_over_plan, over_plan_reason
from tidings.web.auth import acting
from tidings.workspaces.roles import RoleTooLow

# How a refusal is answered: the one place these errors become HTTP statuses for the connections pages.
STATUS = {
    "invalid_input": 400,
    "oauth_state_mismatch": 400,
    "not_found": 404,
    "platform_unavailable": 404,
    "tier_limit_reached": 403,
    "role_too_low": 403,
    "connect_failed": 400,
    "conflict": 409,
}
_ERROR_CODE = re.compile(r"^[a-z_]{1,50}$")


def _session_key(platform: str) -> str:
    return f"tidings.connect.{platform}"


def _label(platform: str) -> str:
    return str(Platform(platform).label) if platform in Platform.values else platform


@dataclass(frozen=True)
class AccountCard:
    """One connected account as its card shows it."""

    account: SocialAccount
    over_plan: str  # why it is over the plan, or ""
    effect: DisconnectEffect
    connect_method: str  # how it reconnects: "oauth", "credentials" or "" (no connector here)
    instance: str  # the Mastodon server to sign in at again
    boards: list[dict[str, str]]  # a Pinterest account's boards, for its default-board picker


def _page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    workspace = acting(request).workspace
    accounts = list(SocialAccount.objects.filter(workspace=workspace).order_by("platform", "handle", "pk"))
    live = [a for a in accounts if a.status != AccountStatus.DISCONNECTED]
    over = accounts_over_plan(workspace)
    effects = disconnect_effects(workspace, live)
    cards = [
        AccountCard(
            account,
            over_plan_reason(workspace, account.platform) if account.pk in over else "",
            effects.get(account.pk) or DisconnectEffect(account, []),
            connector.connect_method if (connector := connector_for(account.platform)) else "",
            (urlsplit(account.base_url).hostname or "") if account.platform == Platform.MASTODON else "",
            account_boards(account) if account.platform == Platform.PINTEREST else [],
        )
        for account in accounts
    ]
    platforms = platform_statuses(workspace)
    live_cards = [c for c in cards if c.account.status != AccountStatus.DISCONNECTED]
    context = {
        "platforms": platforms,
        "unavailable": [row for row in platforms if not row.available],
        "cards": live_cards,
        # The accounts per platform, each group with the plan's count for it.
        "groups": [
            (row, group)
            for row in platforms
            if (group := [c for c in live_cards if c.account.platform == row.platform])
        ],
        "disconnected": [c for c in cards if c.account.status == AccountStatus.DISCONNECTED],
        "credential_platforms": set(CREDENTIAL_FORMS),
        "error": error,
    }
    return render(request, "platforms/connections.html", context, status=status)


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    return _page(request, error=error.message, status=STATUS.get(error.code, 400))


@login_required
@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def start(request: HttpRequest, platform: str) -> HttpResponse:
    form = StartConnectForm(request.POST)
    instance = form.cleaned_data["instance"] if form.is_valid() else ""
    try:
        authorization = start_connect(acting(request), platform=platform, instance=instance)
    except DomainError as error:
        return _refused(request, error)
    request.session[_session_key(platform)] = session_entry(authorization)
    return redirect(authorization.url)


@login_required
@require_GET
def callback(request: HttpRequest, platform: str) -> HttpResponse:
    # Used once, whatever happens next: a replayed callback finds nothing to match.
    stored = request.session.pop(_session_key(platform), None)
    denied = request.GET.get("error", "")
    if denied:
        # The provider's words come from the URL, which anyone can craft: show only a well-formed error code.
        code = denied if _ERROR_CODE.match(denied) else "error"
        if code == "access_denied":
            message = f"You did not allow Tidings to use your {_label(platform)} account; nothing was connected."
        else:
            message = f"{_label(platform)} did not connect the account ({code}); nothing was connected."
        return _page(request, error=message, status=400)
    try:
        found = finish_connect(
            acting(request),
            platform=platform,
            code=request.GET.get("code", ""),
            state=request.GET.get("state", ""),
            session_data=stored if isinstance(stored, dict) else None,
        )
    except DomainError as error:
        return _refused(request, error)
    if isinstance(found, PendingConnection):
        return redirect("connections-pick", found.pk)
    messages.success(request, f"Connected {found}.")
    return redirect("connections")


@login_required
@require_http_methods(["GET", "POST"])
def pick(request: HttpRequest, pending_id: int) -> HttpResponse:
    """Which of the accounts a sign-in found to connect; a pick over the plan connects nothing and keeps them."""
    actor = acting(request)
    error, status, picked = "", 200, request.POST.getlist("choice")
    if request.method == "POST":
        try:
            accounts = pick_choices(actor, pending_id, external_ids=picked)
        except NotFound:
            raise Http404("No such pending connection.") from None
        except DomainError as refusal:
            error, status = refusal.message, STATUS.get(refusal.code, 400)
        else:
            names = ", ".join(str(account) for account in accounts)
            messages.success(request, f"Connected {names}.")
            return redirect("connections")
    try:
        found = pending_pick(actor, pending_id)
    except NotFound:
        raise Http404("No such pending connection.") from None
    context = {"pick": found, "label": _label(found.platform), "error": error, "picked": set(picked)}
    return render(request, "platforms/pick.html", context, status=status)


@login_required
@require_POST
def discard(request: HttpRequest, pending_id: int) -> HttpResponse:
    discard_choices(acting(request), pending_id)
    messages.success(request, "Nothing was connected.")
    return redirect("connections")


@login_required
@require_http_methods(["GET", "POST"])
def credentials(request: HttpRequest, platform: str) -> HttpResponse:
    form_class = CREDENTIAL_FORMS.get(platform)
    if form_class is None:
        raise Http404("This platform does not connect with credentials.")
    form: forms.Form = form_class(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        try:
            account = connect_with_credentials(acting(request), platform=platform, fields=form_fields(form))
        except DomainError as refusal:
            error, status = refusal.message, STATUS.get(refusal.code, 400)
        else:
            messages.success(request, f"Connected {account}.")
            return redirect("connections")
    elif request.method == "POST":
        status = 400
    context = {"form": form, "platform": platform, "label": _label(platform), "error": error}
    return render(request, "platforms/credentials.html", context, status=status)


@login_required
@require_POST
def disconnect(request: HttpRequest, account_id: int) -> HttpResponse:
    actor = acting(request)
    try:
        account = disconnect_account(actor, account_id)
    except NotFound:
        raise Http404("No such connected account.") from None
    except DomainError as error:
        return _refused(request, error)
    waiting = disconnect_effects(actor.workspace, [account])[account.pk].count
    if waiting == 1:
        messages.success(
            request,
            f"Disconnected {account}. Its scheduled post stays in the queue until its time, then is skipped with "
            "its credit returned, unless you connect the account again before then.",
        )
    elif waiting:
        messages.success(
            request,
            f"Disconnected {account}. Its {waiting} scheduled posts stay in the queue until their time, then are "
            "skipped with their credits returned, unless you connect the account again before then.",
        )
    else:
        messages.success(request, f"Disconnected {account}. Its post history is kept.")
    return redirect("connections")


@login_required
@require_POST
def send_test(request: HttpRequest, account_id: int) -> HttpResponse:
    """A signed test POST to a webhook; htmx swaps the result into the account's card."""
    try:
        result = send_webhook_test(acting(request), account_id)
    except NotFound:
        raise Http404("No such connected account.") from None
    except RoleTooLow:
        raise
    except DomainError as refusal:
        result = WebhookTest(False, refusal.message)
    if request.htmx:  # type: ignore[attr-defined]  # set by django_htmx's middleware
        return render(request, "platforms/test_result.html", {"result": result, "account_id": account_id})
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("connections")


@login_required
@require_POST
def default_board(request: HttpRequest, account_id: int) -> HttpResponse:
    """The board a Pinterest account's Pins go to unless a post names its own."""
    try:
        account = choose_default_board(acting(request), account_id, board_id=request.POST.get("board_id", ""))
    except NotFound:
        raise Http404("No such connected account.") from None
    except DomainError as error:
        return _refused(request, error)
    messages.success(request, f"Pins to {account} now go to {_board_name(account)} unless a post picks another.")
    return redirect("connections")


@login_required
@require_POST
def boards_refresh(request: HttpRequest, account_id: int) -> HttpResponse:
    try:
        account = refresh_boards(acting(request), account_id)
    except NotFound:
        raise Http404("No such connected account.") from None
    except DomainError as error:
        return _refused(request, error)
    count = len(account_boards(account))
    messages.success(request, f"Read {count} board{'s' if count != 1 else ''} of {account} from Pinterest.")
    return redirect("connections")


def _board_name(account: SocialAccount) -> str:
    chosen = str(account.options.get("board_id") or "")
    return next((b["name"] for b in account_boards(account) if str(b["id"]) == chosen), "the chosen board")
