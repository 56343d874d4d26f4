"""Automation rules: list, create, edit, pause, run now, and each rule's history."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from tidings.accounts.models import User
from tidings.automation.models import AutomationRule
from tidings.automation.services import get_rule, save_rule, set_rule_enabled
from tidings.core.errors import DomainError
from tidings.jobs.events import send
from tidings.jobs.models import JobLog
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.tiers.checks import can_use_automation
from tidings.web.auth import signed_in


class RuleForm(forms.Form):
    name = forms.CharField(max_length=200)
    schedule = forms.CharField(max_length=100, help_text="Cron in your time zone: minute hour day month weekday.")
    topic = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    tone = forms.CharField(max_length=200, required=False)
    audience = forms.CharField(max_length=200, required=False)
    call_to_action = forms.CharField(max_length=300, required=False)
    language = forms.CharField(max_length=50, required=False, initial="English")
    link = forms.URLField(required=False, assume_scheme="https")
    hashtags = forms.CharField(max_length=500, required=False, help_text="Separated by spaces.")
    accounts = forms.ModelMultipleChoiceField(
        queryset=SocialAccount.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, user: User, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["accounts"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = SocialAccount.objects.filter(user=user, status=AccountStatus.ACTIVE)

    def brief(self) -> dict[str, object]:
        data = self.cleaned_data
        brief = {key: data[key] for key in ("topic", "tone", "audience", "call_to_action", "language", "link")}
        return {**brief, "hashtags": [tag for tag in data["hashtags"].split() if tag]}


def _initial(rule: AutomationRule) -> dict[str, object]:
    return {
        "name": rule.name,
        "schedule": rule.schedule,
        **{key: rule.brief.get(key, "") for key in ("topic", "tone", "audience", "call_to_action", "language", "link")},
        "hashtags": " ".join(rule.brief.get("hashtags", [])),
        "accounts": list(rule.accounts.values_list("pk", flat=True)),
        "enabled": rule.enabled,
    }


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return render(
        request,
        "web/automation.html",
        {"rules": AutomationRule.objects.filter(user=user), "decision": can_use_automation(user)},
    )


@login_required
def edit_rule(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    user = signed_in(request)
    try:
        rule = get_rule(user, rule_id) if rule_id else None
    except DomainError as missing:
        messages.error(request, missing.message)
        return redirect("automation")
    form = RuleForm(user, request.POST or None, initial=_initial(rule) if rule else None)
    if request.method == "POST" and form.is_valid():
        try:
            save_rule(
                user,
                name=form.cleaned_data["name"],
                schedule=form.cleaned_data["schedule"],
                brief=form.brief(),
                account_ids=[a.pk for a in form.cleaned_data["accounts"]],
                enabled=form.cleaned_data["enabled"],
                rule_id=rule.pk if rule else None,
            )
        except DomainError as refusal:
            form.add_error(
                refusal.details.get("field") if refusal.details.get("field") in form.fields else None, refusal.message
            )
        else:
            messages.success(request, "Rule saved.")
            return redirect("automation")
    history = JobLog.objects.filter(event="automation/rule.execute", data__rule_id=rule.pk)[:20] if rule else []
    return render(request, "web/automation_rule.html", {"form": form, "rule": rule, "history": history})


@login_required
@require_POST
def rule_action(request: HttpRequest, rule_id: int, action: str) -> HttpResponse:
    user = signed_in(request)
    try:
        if action in ("pause", "resume"):
            set_rule_enabled(user, rule_id, enabled=action == "resume")
            messages.success(request, "Rule paused." if action == "pause" else "Rule resumed.")
        elif action == "run":
            rule = get_rule(user, rule_id)
            send("automation/rule.execute", {"rule_id": rule.pk})
            messages.success(request, "Running now; the result appears in the rule's history.")
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return redirect("automation")


# Mounted at / by tidings.web.urls.
urls = [
    path("automation/", rules, name="automation"),
    path("automation/new/", edit_rule, name="automation-new"),
    path("automation/<int:rule_id>/", edit_rule, name="automation-edit"),
    path("automation/<int:rule_id>/<str:action>/", rule_action, name="automation-action"),
]
