"""Sign up (open, with email confirmation, or closed) and confirming the email."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from tidings.accounts.models import User, validate_time_zone
from tidings.accounts.services import (
    EMAIL_TAKEN,
    awaiting_confirmation,
    confirm_email,
    create_user,
    email_in_use,
    normalize_email,
    send_confirmation,
)
from tidings.accounts.timezones import canonical_zone
from tidings.core.errors import DomainError
from tidings.tiers.plans import PLANS, Tier
from tidings.web.auth import WORKSPACE_KEY, signed_in, throttle
from tidings.web.errors import show_on_form
from tidings.workspaces import invitations
from tidings.workspaces.models import Invitation
from tidings.workspaces.services import personal_workspace


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    # The browser's zone, filled in by accounts.js; the server's default when it sends none.
    time_zone = forms.CharField(required=False, max_length=64)

    class Meta:
        model = User
        fields = ("username", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = "Letters, digits and @ . + - _ only; you log in with it."
        self.fields["password1"].help_text = "At least 8 characters, not all digits, and not a common password."
        self.fields["password2"].label = "Password again"
        self.fields["password2"].help_text = ""

    def clean_time_zone(self) -> str:
        """An unknown or missing zone falls back to the default: nobody is refused an account over it."""
        raw = self.cleaned_data.get("time_zone", "").strip()
        zone = canonical_zone(raw) if raw else None
        if zone is None and raw:
            try:
                validate_time_zone(raw)
            except forms.ValidationError:
                return ""
            return raw
        return zone or ""

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if email_in_use(email):
            raise forms.ValidationError(EMAIL_TAKEN + " Log in, or reset its password.")
        return email


def _invitation(request: HttpRequest) -> tuple[str, Invitation | None]:
    """The invitation a sign-up comes from (`?invitation=` or the form's hidden field), while it is open."""
    secret = str(request.POST.get("invitation") or request.GET.get("invitation") or "")[:200]
    if not secret:
        return "", None
    try:
        return secret, invitations.find_open(secret)
    except DomainError:
        return "", None


def signup(request: HttpRequest) -> HttpResponse:
    """TIDINGS_SIGNUP decides: `open` grants the plan's credits now, `verify` when the emailed link is followed,
    `closed` makes no account (staff add users in the admin).

    Someone signing up from an invitation, with the address it was sent to, may always sign up: the link proves the
    address, so the account is confirmed at once and joins the workspace."""
    mode = settings.TIDINGS_SIGNUP
    secret, invited = _invitation(request)
    if mode == "closed" and invited is None:
        return render(request, "registration/signup_closed.html", status=403 if request.method == "POST" else 200)
    if request.method == "POST" and (refusal := throttle(request, "signup")) is not None:
        return refusal
    initial = {"email": invited.email} if invited else None
    form = SignupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        proven = invited is not None and form.cleaned_data["email"] == invited.email
        try:
            user = create_user(
                form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                time_zone=form.cleaned_data["time_zone"] or None,
                email_confirmed=mode == "open" or proven,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if proven:
                return _join(request, user, secret)
            if mode == "open":
                credits = personal_workspace(user).credits
                messages.success(request, f"Welcome to Tidings. You are on the Free plan with {credits} credits.")
                return redirect("onboarding")
            _send_link(request, user)
            return redirect("confirm-email-pending")
    free = {limit.value: value for limit, value in PLANS[Tier.FREE].items()}
    context = {"form": form, "verify": mode == "verify" and invited is None, "free": free, "invited": invited}
    context["invitation"] = secret
    return render(request, "registration/signup.html", context)


def _join(request: HttpRequest, user: User, secret: str) -> HttpResponse:
    try:
        joined = invitations.accept(user, secret=secret)
    except DomainError as error:
        messages.warning(request, f"Your account is ready, but the invitation could not be used: {error.message}")
        return redirect("onboarding")
    request.session[WORKSPACE_KEY] = joined.workspace_id
    messages.success(request, f"Welcome to Tidings and to {joined.workspace.name}.")
    return redirect("dashboard")


def _send_link(request: HttpRequest, user: User) -> None:
    send_confirmation(
        user, link=lambda token: request.build_absolute_uri(reverse("confirm-email", kwargs={"token": token}))
    )


@login_required
def confirm_email_pending(request: HttpRequest) -> HttpResponse:
    """What an unconfirmed user sees: where the link went, and a button to send it again."""
    user = signed_in(request)
    if not awaiting_confirmation(user):
        return redirect("dashboard")
    return render(request, "registration/confirm_email_pending.html", {"email": user.email})


@login_required
@require_POST
def confirm_email_resend(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not awaiting_confirmation(user):
        return redirect("dashboard")
    if (refusal := throttle(request, "confirm_resend", account=f"user:{user.pk}")) is not None:
        return refusal
    _send_link(request, user)
    messages.success(request, f"A new confirmation link is on its way to {user.email}.")
    return redirect("confirm-email-pending")


def confirm_email_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: the first confirmation grants the plan's credits; a second, tampered or expired link
    changes nothing and says why."""
    try:
        user = confirm_email(token)
    except DomainError as error:
        return render(request, "registration/confirm_email_done.html", {"refusal": error.message}, status=400)
    credits = personal_workspace(user).credits
    messages.success(request, f"Email confirmed. Your {credits} credits for this month are in.")
    return redirect("dashboard" if request.user.is_authenticated else "login")


# Mounted at / by tidings.web.urls.
urls = [
    path("signup/", signup, name="signup"),
    path("signup/confirm/", confirm_email_pending, name="confirm-email-pending"),
    path("signup/confirm/resend/", confirm_email_resend, name="confirm-email-resend"),
    path("signup/confirm/<str:token>/", confirm_email_link, name="confirm-email"),
]
