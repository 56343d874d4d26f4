"""Users: plan, credits and cycle at a glance. Plan and balance change only through actions that call services."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from tidings.accounts.models import User
from tidings.accounts.services import change_tier, create_user, set_tier_limits, set_time_zone
from tidings.credits.models import Balance, balance_label
from tidings.credits.services import adjust_credits
from tidings.ops.adminkit import with_form
from tidings.tiers.plans import Tier


class AdjustCreditsForm(forms.Form):
    balance = forms.ChoiceField(choices=Balance.choices, initial=Balance.CREDITS, required=False)
    amount = forms.IntegerField(help_text="How many to add; negative to take away. Written to the ledger.")
    reason = forms.CharField(max_length=300, help_text="Why; kept in the ledger entry.")


class ChangeTierForm(forms.Form):
    tier = forms.ChoiceField(choices=[(t.value, t.name.title()) for t in Tier])


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "email",
        "tier",
        "credits",
        "video_credits",
        "next_credit_reset",
        "is_demo",
        "is_staff",
        "date_joined",
    )
    list_filter = ("tier", "is_demo", "is_staff", "is_active")
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("username",)
    actions = ("adjust_credits_action", "change_tier_action")
    readonly_fields = (
        "tier",
        "credits",
        "video_credits",
        "credit_cycle_anchor",
        "last_credit_reset",
        "next_credit_reset",
    )
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            "Plan and credits",
            {
                "fields": (
                    "tier",
                    "tier_limits",
                    "time_zone",
                    "credits",
                    "video_credits",
                    "credit_cycle_anchor",
                    "last_credit_reset",
                    "next_credit_reset",
                    "is_demo",
                ),
                "description": "Change the plan or the balance with the actions on the user list.",
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        if change:
            # Only what the form changed: a full save would write back a balance read before the form was shown.
            concrete = {f.name for f in User._meta.concrete_fields} - {"tier_limits", "time_zone", "password"}
            fields = [name for name in form.changed_data if name in concrete]
            if fields:
                obj.save(update_fields=fields)
            # Plan fields go through their services (validation, one writer).
            data = form.cleaned_data
            if "tier_limits" in form.changed_data:
                set_tier_limits(obj, overrides=data["tier_limits"])
            if "time_zone" in form.changed_data:
                set_time_zone(obj, time_zone=data["time_zone"])
            return
        # A new user starts a credit cycle with the plan's first grant in the ledger, like any other user.
        usable = form.cleaned_data.get("usable_password", "true") != "false"
        created = create_user(
            obj.username, password=form.cleaned_data.get("password1") if usable else None, email=obj.email or ""
        )
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()

    @admin.action(description="Adjust credits or video credits (ledger entry with a reason)", permissions=["change"])
    def adjust_credits_action(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        def adjust(user: Any, data: dict[str, Any]) -> str:
            entry = adjust_credits(
                user, amount=data["amount"], reason=data["reason"], balance=data["balance"] or Balance.CREDITS
            )
            noun = balance_label(entry.balance, abs(entry.amount))
            return f"{entry.amount:+d} {noun}, balance {entry.balance_after}."

        return with_form(self, request, queryset, form_class=AdjustCreditsForm, title="Adjust credits", call=adjust)

    @admin.action(description="Change plan", permissions=["change"])
    def change_tier_action(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        def switch(user: Any, data: dict[str, Any]) -> str:
            return f"now on the {change_tier(user, tier=Tier(data['tier'])).get_tier_display()} plan."

        return with_form(self, request, queryset, form_class=ChangeTierForm, title="Change plan", call=switch)
