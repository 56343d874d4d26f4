"""Who is asking: the signed-in person, the workspace they act in, the client's address, and the throttles on
sign-up, log-in and password reset."""

import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from tidings.accounts.models import User
from tidings.accounts.services import awaiting_confirmation
from tidings.core.errors import NotFound
from tidings.workspaces.actors import Actor
from tidings.workspaces.services import acting_alone, acting_as

# The session key that holds the workspace the person is working in; without it, their personal workspace.
WORKSPACE_KEY = "workspace_id"

MESSAGES = {
    "signup": "Too many sign-ups from your address.",
    "password_reset": "Too many password reset requests from your address or for this email.",
    "confirm_resend": "A confirmation link was sent several times already. Check your inbox and spam folder.",
}


def signed_in(request: HttpRequest) -> User:
    """The request's user, for views behind login_required."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionError("This page needs a signed-in user.")
    return user


def acting(request: HttpRequest) -> Actor:
    """The signed-in person acting in the current workspace: the one the session names while they are still a
    member of it, else their personal workspace. Read once per request (the time zone middleware asks first)."""
    cached = getattr(request, "_tidings_actor", None)
    if isinstance(cached, Actor):
        return cached
    user = signed_in(request)
    chosen = request.session.get(WORKSPACE_KEY)
    actor = None
    if isinstance(chosen, int):
        try:
            actor = acting_as(user, chosen)
        except NotFound:  # removed from it since, or it was deleted: back to their own
            del request.session[WORKSPACE_KEY]
    if actor is None:
        actor = acting_alone(user)
    request._tidings_actor = actor  # type: ignore[attr-defined]
    return actor


def act_in(request: HttpRequest, workspace_id: int) -> Actor:
    """Work in another of the person's workspaces from now on (NotFound unless they are a member of it)."""
    actor = acting_as(signed_in(request), workspace_id)
    request.session[WORKSPACE_KEY] = actor.workspace.pk
    request._tidings_actor = actor  # type: ignore[attr-defined]
    return actor


def client_address(request: HttpRequest) -> str:
    """The client's IP address. Behind TIDINGS_PROXY_COUNT proxies it is the entry the outermost one appended to
    X-Forwarded-For; anything further left came from the client and is not trusted."""
    proxies = settings.TIDINGS_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def throttle(request: HttpRequest, scope: str, *, account: str = "") -> HttpResponse | None:
    """Count one attempt for the client's address (and the account, when given) in the current fixed window.
    Past the scope's limit for either, the 429 page to return; else None."""
    limit, seconds = settings.TIDINGS_THROTTLES[scope]
    now = time.time()
    window = int(now // seconds)
    subjects = [f"ip:{client_address(request)}"] + ([f"account:{account.strip().lower()}"] if account.strip() else [])
    over = False
    for subject in subjects:
        # Hashed: the account part is whatever the form was given, and cache keys must be short and plain.
        key = f"throttle:{scope}:{window}:{hashlib.sha256(subject.encode()).hexdigest()}"
        cache.add(key, 0, timeout=seconds)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=seconds)
            count = 1
        over = over or count > limit
    if not over:
        return None
    retry_after = max(1, math.ceil((window + 1) * seconds - now))
    minutes = math.ceil(retry_after / 60)
    context = {"message": MESSAGES[scope], "minutes": minutes}
    response = render(request, "registration/throttled.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class LoginView(auth_views.LoginView):
    """Django's log-in (django-axes counts its failures); a user who has not confirmed the email is sent to the
    page that says so."""

    def get_initial(self) -> dict[str, Any]:
        """The landing page's "Log in as demo-free" fills the username in."""
        return {**super().get_initial(), "username": str(self.request.GET.get("username", ""))[:150]}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if isinstance(user, User) and awaiting_confirmation(user):
            messages.warning(self.request, "Confirm your email address to receive your plan's credits.")
            return redirect("confirm-email-pending")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset (one answer whether or not an account uses the address), throttled per address and email.

    Our templates have names of their own: Django's admin, listed first among the apps, ships templates under
    `registration/password_reset_*`, which would win over ours."""

    template_name = "registration/reset_request.html"
    email_template_name = "registration/reset_email.txt"
    subject_template_name = "registration/reset_subject.txt"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = throttle(request, "password_reset", account=str(request.POST.get("email", "")))
        if refusal is not None:
            return refusal
        return super().post(request, *args, **kwargs)


# Mounted at / by tidings.web.urls.
urls = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="registration/reset_choose.html"),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/reset_done.html"),
        name="password_reset_complete",
    ),
]
