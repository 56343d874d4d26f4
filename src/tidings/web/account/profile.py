"""The person's profile with the time zone of the workspace they work in (its admins set it), and which
notifications are also emailed."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from tidings.accounts.services import set_notification_preferences, set_profile
from tidings.accounts.timezones import zone_choices
from tidings.core.errors import DomainError
from tidings.notifications.models import NotificationType
from tidings.web.auth import acting, signed_in
from tidings.web.errors import show_on_form
from tidings.workspaces.plan import set_time_zone
from tidings.workspaces.roles import Action


class ProfileForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Every time you pick and see is in this zone; a day's post limit counts its days. Type a city "
        "or an offset such as +05:30 to search.",
    )

    def __init__(self, *args: object, current_zone: str, zone_locked: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = zone_choices(keep=current_zone)
        field.widget.attrs.update({"data-zone-picker": "", "autocomplete": "off"})
        if zone_locked:  # shown, but the workspace's admins choose it: a posted value is ignored
            field.disabled = True
            field.help_text = "The workspace's zone: every time you pick and see is in it. Its admins choose it."


class NotificationsForm(forms.Form):
    email_types = forms.MultipleChoiceField(
        choices=NotificationType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also email me about",
        help_text="Every notification is shown in the app, under the bell; these also arrive by email.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_page(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    user, workspace = signed_in(request), actor.workspace
    initial = {"first_name": user.first_name, "last_name": user.last_name, "time_zone": workspace.time_zone}
    locked = not actor.may(Action.SETTINGS)
    form = ProfileForm(request.POST or None, initial=initial, current_zone=workspace.time_zone, zone_locked=locked)
    if request.method == "POST" and form.is_valid():
        try:
            set_profile(user, first_name=form.cleaned_data["first_name"], last_name=form.cleaned_data["last_name"])
            if not locked:
                set_time_zone(actor, time_zone=form.cleaned_data["time_zone"])
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Profile saved.")
            return redirect("settings")
    return render(request, "web/settings/profile.html", {"form": form, "section": "profile"})


@login_required
@require_http_methods(["GET", "POST"])
def notifications_page(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    initial = {"email_types": user.notification_preferences.get("email", [])}
    form = NotificationsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            set_notification_preferences(user, email_types=form.cleaned_data["email_types"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Notification settings saved.")
            return redirect("settings-notifications")
    return render(request, "web/settings/notifications.html", {"form": form, "section": "notifications"})


urls = [
    path("settings/", profile_page, name="settings"),
    path("settings/notifications/", notifications_page, name="settings-notifications"),
]
