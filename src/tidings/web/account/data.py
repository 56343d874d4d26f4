"""A copy of everything the account holds, and deleting the account."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tidings.accounts.closing import closing_summary, delete_account
from tidings.accounts.export import export_user_data
from tidings.core.errors import DomainError
from tidings.web.auth import signed_in


class DeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Deleting cannot be undone.",
    )


@login_required
@require_GET
def data_page(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return render(request, "web/settings/data.html", {"closing": closing_summary(user), "section": "data"})


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The download: one JSON file, never cached (it holds everything the account wrote)."""
    user = signed_in(request)
    body = json.dumps(export_user_data(user), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"tidings-{user.username}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = DeleteForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            delete_account(user, password=form.cleaned_data["password"])
        except DomainError as error:
            form.add_error("password" if error.details.get("field") == "password" else None, error.message)
            status = 400
        else:
            logout(request)
            messages.success(request, "Your account and everything in it were deleted. Thank you for using Tidings.")
            return redirect("home")
    elif request.method == "POST":
        status = 400
    context = {"form": form, "closing": closing_summary(user), "section": "data"}
    return render(request, "web/settings/delete.html", context, status=status)


urls = [
    path("settings/data/", data_page, name="settings-data"),
    path("settings/data/export/", export, name="settings-export"),
    path("settings/delete/", delete, name="settings-delete"),
]
