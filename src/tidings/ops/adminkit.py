"""What the admin modules share: read-only model admins, secrets shown as set/empty, and actions that call one
service per selected object (optionally after an intermediate form) and report each refusal."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from tidings.core.errors import DomainError


class ReadOnlyAdmin(admin.ModelAdmin):
    """State that only services change: staff may look and run actions, never edit, add or delete by hand."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # True on the changelist (so actions that need "change" are offered); a single object opens read-only.
        return obj is None and super().has_change_permission(request, obj)


def secret_state(value: str | None) -> str:
    """Never the secret itself."""
    return "set" if value else "empty"


def run_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: QuerySet[Any] | list[Any],
    call: Callable[[Any], str],
) -> None:
    """Call `call` for every object; one message per success and one per refusal (a DomainError's message)."""
    done, refused = 0, 0
    for obj in objects:
        try:
            note = call(obj)
        except DomainError as error:
            refused += 1
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        else:
            done += 1
            if note:
                modeladmin.message_user(request, f"{obj}: {note}", messages.SUCCESS)
    if not done and not refused:
        modeladmin.message_user(request, "Nothing was selected.", messages.WARNING)


def with_form(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    form_class: type[forms.Form],
    title: str,
    call: Callable[[Model, dict[str, Any]], str],
) -> HttpResponse | None:
    """An action that first asks for input: render the form for the selection; once it is valid, call `call` for
    each selected object with the cleaned data and return to the changelist."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        run_each(modeladmin, request, queryset, lambda obj: call(obj, form.cleaned_data))
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "form": form,
        "queryset": queryset,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "ops/admin_action_form.html", context)
