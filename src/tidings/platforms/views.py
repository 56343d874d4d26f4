"""The connections pages: platforms and accounts, OAuth start and callback, credential forms, disconnecting.

Every query is scoped to the signed-in user; every change is a POST with CSRF. The OAuth `state` and PKCE verifier
live in the server-side session between the redirect and the callback, and are used once.
"""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tidings.accounts.models import User
from tidings.core.errors import DomainError, NotFound
from tidings.platforms.connect import (
    connect_with_credentials,
    finish_connect,
    platform_statuses,
    session_entry,
    start_connect,
)
from tidings.platforms.forms import CREDENTIAL_FORMS, StartConnectForm, form_fields
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.platforms.services import disconnect_account
from tidings.tiers.checks import accounts_over_plan, over_plan_reason

# How a refusal is answered: the one place these errors become HTTP statuses for the connections pages.
STATUS = {
    "invalid_input": 400,
    "oauth_state_mismatch": 400,
    "not_found": 404,
    "platform_unavailable": 404,
    "tier_limit_reached": 403,
    "connect_failed": 400,
    "conflict": 409,
}
_ERROR_CODE = re.compile(r"^[a-z_]{1,50}$")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _session_key(platform: str) -> str:
    return f"tidings.connect.{platform}"


def _label(platform: str) -> str:
    return str(Platform(platform).label) if platform in Platform.values else platform


def _page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    user = _user(request)
    accounts = SocialAccount.objects.filter(user=user).exclude(status=AccountStatus.DISCONNECTED)
    over = accounts_over_plan(user)
    context = {
        "platforms": platform_statuses(user),
        # Each account with the reason it is over the plan ("" when it is within it).
        "accounts": [
            (account, over_plan_reason(user, account.platform) if account.pk in over else "")
            for account in accounts.order_by("platform", "handle", "pk")
        ],
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
        authorization = start_connect(_user(request), platform=platform, instance=instance)
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
        account = finish_connect(
            _user(request),
            platform=platform,
            code=request.GET.get("code", ""),
            state=request.GET.get("state", ""),
            session_data=stored if isinstance(stored, dict) else None,
        )
    except DomainError as error:
        return _refused(request, error)
    messages.success(request, f"Connected {account}.")
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
            account = connect_with_credentials(_user(request), platform=platform, fields=form_fields(form))
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
    try:
        account = disconnect_account(_user(request), account_id)
    except NotFound:
        raise Http404("No such connected account.") from None
    messages.success(request, f"Disconnected {account}. Its post history is kept.")
    return redirect("connections")
