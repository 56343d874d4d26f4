"""Workspaces: plan, credits and cycle at a glance. Plan and balance change only through actions that call
services (the ledger has one writer)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from tidings.credits.models import Balance, balance_label
from tidings.credits.services import adjust_credits
from tidings.ops.adminkit import with_form
from tidings.tiers.plans import Tier
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.plan import change_tier, set_tier_limits


class AdjustCreditsForm(forms.Form):
    balance = forms.ChoiceField(choices=Balance.choices, initial=Balance.CREDITS, required=False)
    amount = forms.IntegerField(help_text="How many to add; negative to take away. Written to the ledger.")
    reason = forms.CharField(max_length=300, help_text="Why; kept in the ledger entry.")


class ChangeTierForm(forms.Form):
    tier = forms.ChoiceField(choices=[(t.value, t.name.title()) for t in Tier])


class MemberInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "joined_at")
    readonly_fields = ("user", "role", "joined_at")
    can_delete = False


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "personal_owner", "tier", "credits", "video_credits", "next_credit_reset", "created_at")
    list_filter = ("tier",)
    search_fields = ("name", "personal_owner__username", "memberships__user__username")
    list_select_related = ("personal_owner",)
    actions = ("adjust_credits_action", "change_tier_action")
    inlines = (MemberInline,)
    fields = (
        "name",
        "personal_owner",
        "posts_need_approval",
        "tier",
        "tier_limits",
        "time_zone",
        "credits",
        "video_credits",
        "credit_cycle_anchor",
        "last_credit_reset",
        "next_credit_reset",
    )
    readonly_fields = (
        "personal_owner",
        "tier",
        "credits",
        "video_credits",
        "credit_cycle_anchor",
        "last_credit_reset",
        "next_credit_reset",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a workspace comes with its owner (sign-up, or the people page)

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        # Only what the form changed: a full save would write back a balance read before the form was shown.
        plain = [name for name in form.changed_data if name in {"name", "posts_need_approval", "time_zone"}]
        if plain:
            obj.save(update_fields=plain)
        if "tier_limits" in form.changed_data:
            set_tier_limits(obj, overrides=form.cleaned_data["tier_limits"])

    @admin.action(description="Adjust credits or video credits (ledger entry with a reason)", permissions=["change"])
    def adjust_credits_action(self, request: HttpRequest, queryset: QuerySet[Workspace]) -> HttpResponse | None:
        def adjust(workspace: Any, data: dict[str, Any]) -> str:
            entry = adjust_credits(
                workspace, amount=data["amount"], reason=data["reason"], balance=data["balance"] or Balance.CREDITS
            )
            noun = balance_label(entry.balance, abs(entry.amount))
            return f"{entry.amount:+d} {noun}, balance {entry.balance_after}."

        return with_form(self, request, queryset, form_class=AdjustCreditsForm, title="Adjust credits", call=adjust)

    @admin.action(description="Change plan", permissions=["change"])
    def change_tier_action(self, request: HttpRequest, queryset: QuerySet[Workspace]) -> HttpResponse | None:
        def switch(workspace: Any, data: dict[str, Any]) -> str:
            return f"now on the {change_tier(workspace, tier=Tier(data['tier'])).get_tier_display()} plan."

        return with_form(self, request, queryset, form_class=ChangeTierForm, title="Change plan", call=switch)
