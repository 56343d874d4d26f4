"""Sign up and personal settings."""

from zoneinfo import available_timezones

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tidings.accounts.models import User
from tidings.accounts.services import create_user, set_notification_preferences, set_time_zone
from tidings.core.errors import DomainError
from tidings.notifications.models import NotificationType
from tidings.web.auth import signed_in

TIME_ZONES = sorted(available_timezones())


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True)
    time_zone = forms.ChoiceField(choices=[(z, z) for z in TIME_ZONES], initial="UTC")

    class Meta:
        model = User
        fields = ("username", "email")


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = create_user(
            form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            time_zone=form.cleaned_data["time_zone"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to Tidings. You are on the Free plan with {user.credits} credits.")
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})


class SettingsForm(forms.Form):
    time_zone = forms.ChoiceField(choices=[(z, z) for z in TIME_ZONES])
    email_types = forms.MultipleChoiceField(
        choices=NotificationType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also email me about",
    )


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    initial = {"time_zone": user.time_zone, "email_types": user.notification_preferences.get("email", [])}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            set_time_zone(user, time_zone=form.cleaned_data["time_zone"])
            set_notification_preferences(user, email_types=form.cleaned_data["email_types"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Settings saved.")
            return redirect("settings")
    return render(request, "web/settings.html", {"form": form})
