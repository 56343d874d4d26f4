"""Automation rules: the list, the rule page (create, edit, run now, pause, delete, its runs) and the live preview
of a schedule while it is being picked."""

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tidings.automation import selectors
from tidings.automation.models import AutomationRule
from tidings.automation.picker import in_words
from tidings.automation.schedule import next_runs
from tidings.automation.services import delete_rule, get_rule, run_rule_now, save_rule, set_rule_enabled
from tidings.core.errors import DomainError, NotFound
from tidings.tiers.checks import can_use_automation
from tidings.web.auth import acting
from tidings.web.automation.forms import PICKER_FIELDS, RuleForm, ScheduleForm, rule_initial
from tidings.web.composer.options import rule_forms
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action, RoleTooLow

# Where a refusal's field shows on the form (the service names it as the API does).
FORM_FIELDS = {"account_ids": "accounts", "schedule": "schedule", "brief": "topic"}
DEFAULT_SCHEDULE = "0 9 * * 1-5"


@login_required
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    workspace = acting(request).workspace
    context = {
        "rules": selectors.rules_for(workspace),
        "decision": can_use_automation(workspace),
        "zone": workspace.time_zone,
    }
    return render(request, "web/automation.html", context)


def schedule_preview(workspace: Workspace, form: ScheduleForm) -> dict[str, Any]:
    """What the picker shows beside itself: the schedule in words, its cron and its next three runs, or what to fix."""
    if not form.is_bound:
        cron = form.initial.get("cron") or DEFAULT_SCHEDULE
    elif form.is_valid() or form.cleaned_data.get("schedule"):
        cron = form.cleaned_data["schedule"]
    else:
        problems = [error for name in ("schedule", *PICKER_FIELDS) for error in form.errors.get(name, [])]
        return {"problem": problems[0] if problems else "Check the schedule."}
    runs: list[datetime] = next_runs(cron, after=timezone.now(), time_zone=workspace.time_zone)
    return {"cron": cron, "words": in_words(cron, workspace.time_zone), "runs": runs}


@login_required
def edit_rule(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    actor = acting(request)
    workspace = actor.workspace
    rule = get_rule(workspace, rule_id) if rule_id else None  # NotFound: the 404 page
    if request.method == "POST":
        actor.require(Action.AUTOMATE)  # before the form is read
    form = RuleForm(workspace, request.POST or None, initial=rule_initial(rule))
    # The options of each platform the workspace can post to, for every post the rule writes there.
    platforms = sorted({account.platform for account in form.fields["accounts"].queryset})  # type: ignore[attr-defined]
    stored = rule.platform_options if rule else None
    option_forms = rule_forms(platforms, data=request.POST or None, stored=stored)
    options_valid = all(options.is_valid() for options in option_forms.values())
    if request.method == "POST" and form.is_valid() and options_valid:
        try:
            saved = save_rule(
                actor,
                name=form.cleaned_data["name"],
                schedule=form.cleaned_data["schedule"],
                brief=form.brief(),
                account_ids=[a.pk for a in form.cleaned_data["accounts"]],
                enabled=form.cleaned_data["enabled"],
                review=form.cleaned_data["review"],
                platform_options={platform: options.options() for platform, options in option_forms.items()},
                feed_url=form.cleaned_data["feed_url"],
                feed_mode=form.cleaned_data["feed_mode"] or None,
                rule_id=rule.pk if rule else None,
            )
        except (RoleTooLow, NotFound):
            raise
        except DomainError as refusal:
            named = str(refusal.details.get("field") or "")
            field = FORM_FIELDS.get(named, named)
            form.add_error(field if field in form.fields else None, refusal.message)
        else:
            messages.success(request, f"Rule “{saved.name}” saved.")
            return redirect("automation")
    context = {
        "form": form,
        "option_forms": option_forms,
        "rule": rule,
        "preview": schedule_preview(workspace, form),
        "zone": workspace.time_zone,
        **(_runs_context(rule, request.GET.get("run", "")) if rule else {}),
    }
    return render(request, "web/automation_rule.html", context)


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The picker's live preview, fetched by htmx as the schedule changes."""
    preview = schedule_preview(acting(request).workspace, ScheduleForm(request.POST))
    return render(request, "web/automation/schedule_preview.html", {"preview": preview})


# The runs panel asks every two seconds while a run is under way, for five minutes at most (a run that takes
# longer waits for a worker; reloading the page shows where it is).
MAX_POLLS = 150


def _runs_context(rule: AutomationRule, workflow_id: str, polls: int = 0) -> dict[str, Any]:
    running = bool(workflow_id) and not selectors.run_finished(rule, workflow_id)
    return {
        "runs": selectors.runs_of(rule),
        "feed_items": selectors.recent_feed_items(rule) if rule.feed_url else [],
        "running": workflow_id if running and polls < MAX_POLLS else "",
        "still_running": running and polls >= MAX_POLLS,
        "polls": polls + 1,
    }


@login_required
@require_GET
def runs(request: HttpRequest, rule_id: int) -> HttpResponse:
    """The rule's last run and history; while a "Run now" is under way the panel asks again every two seconds."""
    workspace = acting(request).workspace
    try:
        rule = selectors.rules_for(workspace).get(pk=rule_id)
    except AutomationRule.DoesNotExist:
        raise Http404("No such automation rule.") from None
    polls = int(request.GET["n"]) if request.GET.get("n", "").isdigit() else 0
    context = {"rule": rule, **_runs_context(rule, request.GET.get("run", ""), polls)}
    return render(request, "web/automation/runs.html", context)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("automation")


@login_required
@require_POST
def rule_action(request: HttpRequest, rule_id: int, action: str) -> HttpResponse:
    actor = acting(request)
    if action not in ("pause", "resume", "run", "delete"):
        raise Http404("No such action.")
    try:
        rule = get_rule(actor.workspace, rule_id)
        if action in ("pause", "resume"):
            set_rule_enabled(actor, rule.pk, enabled=action == "resume")
            messages.success(request, f"“{rule.name}” {'paused' if action == 'pause' else 'resumed'}.")
        elif action == "run":
            workflow_id = run_rule_now(actor, rule.pk)
            messages.success(request, f"Running “{rule.name}” now: its post shows here in a moment.")
            return redirect(f"{reverse('automation-edit', args=[rule.pk])}?run={workflow_id}#runs")
        else:
            delete_rule(actor, rule.pk)
            messages.success(request, f"“{rule.name}” deleted. The posts it wrote stay in your queue.")
            return redirect("automation")
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return redirect(_back(request))


# Mounted at / by tidings.web.urls.
urls = [
    path("automation/", rules, name="automation"),
    path("automation/new/", edit_rule, name="automation-new"),
    path("automation/schedule-preview/", preview, name="automation-preview"),
    path("automation/<int:rule_id>/", edit_rule, name="automation-edit"),
    path("automation/<int:rule_id>/runs/", runs, name="automation-runs"),
    path("automation/<int:rule_id>/<str:action>/", rule_action, name="automation-action"),
]
