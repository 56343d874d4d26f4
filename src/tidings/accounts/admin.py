"""People: who they are and which workspaces they belong to. Plans and balances are on the workspaces' page."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from tidings.accounts.models import User
from tidings.accounts.services import create_user
from tidings.workspaces.models import Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("workspace", "role", "joined_at")
    readonly_fields = ("workspace", "role", "joined_at")
    can_delete = False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "is_demo", "is_staff", "date_joined")
    list_filter = ("is_demo", "is_staff", "is_active")
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("username",)
    inlines = (MembershipInline,)
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("Tidings", {"fields": ("is_demo",)}))

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        if change:
            # Only what the form changed: a full save would write back fields read before the form was shown.
            concrete = {f.name for f in User._meta.concrete_fields} - {"password"}
            fields = [name for name in form.changed_data if name in concrete]
            if fields:
                obj.save(update_fields=fields)
            return
        # A new person gets a personal workspace whose credit cycle starts with the plan's first grant.
        usable = form.cleaned_data.get("usable_password", "true") != "false"
        created = create_user(
            obj.username, password=form.cleaned_data.get("password1") if usable else None, email=obj.email or ""
        )
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()
