"""Email address and password: a new address is used once the link sent to it is followed; a new password keeps
this session signed in and ends every other."""

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from tidings.accounts.models import User
from tidings.accounts.services import awaiting_confirmation, confirm_email_change, request_email_change
from tidings.core.errors import DomainError
from tidings.web.auth import signed_in, throttle


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(label="New email address", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To be sure it is you.",
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user

    def clean_password(self) -> str:
        password = str(self.cleaned_data["password"])
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password


def _password_form(user: User, data: object = None) -> PasswordChangeForm:
    form = PasswordChangeForm(user, data)
    form.fields["old_password"].label = "Current password"
    form.fields["old_password"].widget.attrs.pop("autofocus", None)  # the page opens on the email form
    form.fields["new_password2"].label = "New password again"
    return form


def _page(
    request: HttpRequest, *, email_form: forms.Form, password_form: forms.Form, status: int = 200
) -> HttpResponse:
    context = {
        "email_form": email_form,
        "password_form": password_form,
        "section": "sign_in",
        "unconfirmed": awaiting_confirmation(signed_in(request)),
    }
    return render(request, "web/settings/sign_in.html", context, status=status)


@login_required
@require_GET
def sign_in_page(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return _page(request, email_form=EmailChangeForm(user=user), password_form=_password_form(user))


@login_required
@require_POST
def change_email(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = EmailChangeForm(request.POST, user=user)
    if form.is_valid():
        if (refusal := throttle(request, "confirm_resend", account=f"user:{user.pk}")) is not None:
            return refusal
        try:
            email = request_email_change(
                user,
                new_email=form.cleaned_data["new_email"],
                link=lambda token: request.build_absolute_uri(reverse("settings-email-confirm", args=[token])),
            )
        except DomainError as error:
            form.add_error("new_email" if error.details.get("field") == "email" else None, error.message)
        else:
            messages.success(
                request,
                f"We sent a link to {email}. Follow it to use that address; until then your "
                "account keeps its current one.",
            )
            return redirect("settings-sign-in")
    return _page(request, email_form=form, password_form=_password_form(user), status=400)


def confirm_email_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent to the new address: it works in any browser, signed in or not."""
    try:
        user = confirm_email_change(token)
    except DomainError as error:
        context = {
            "refusal": error.message,
            "heading": "This link did not change your email",
            "retry_url": reverse("settings-sign-in"),
            "retry_label": "Email settings",
        }
        return render(request, "registration/confirm_email_done.html", context, status=400)
    messages.success(request, f"Your account now uses {user.email}.")
    return redirect("settings-sign-in" if request.user.is_authenticated else "login")


@login_required
@require_POST
def change_password(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = _password_form(user, request.POST)
    if form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, "Password changed. Other browsers signed in to your account are signed out.")
        return redirect("settings-sign-in")
    return _page(request, email_form=EmailChangeForm(user=user), password_form=form, status=400)


urls = [
    path("settings/sign-in/", sign_in_page, name="settings-sign-in"),
    path("settings/email/", change_email, name="settings-email"),
    path("settings/email/confirm/<str:token>/", confirm_email_link, name="settings-email-confirm"),
    path("settings/password/", change_password, name="settings-password"),
]
