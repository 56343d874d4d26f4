"""The staff dashboard and the workflow actions: staff only; actions are POST with CSRF after a confirmation page."""

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tidings.core.errors import DomainError
from tidings.ops import workflows
from tidings.ops.services import build_dashboard

ACTIONS = {"resume": workflows.resume_workflow, "cancel": workflows.cancel_workflow}


class WorkflowActionForm(forms.Form):
    workflow_id = forms.CharField(max_length=300)
    action = forms.ChoiceField(choices=[(name, name) for name in ACTIONS])


@staff_member_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "ops/dashboard.html", {"board": build_dashboard()})


@staff_member_required
@require_http_methods(["GET", "POST"])
def workflow(request: HttpRequest) -> HttpResponse:
    """GET: one workflow and a confirmation form for an action (?id=...&action=resume). POST: do it."""
    if request.method == "POST":
        form = WorkflowActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Name a workflow and an action (resume or cancel).")
            return redirect("ops:dashboard")
        workflow_id, action = form.cleaned_data["workflow_id"], form.cleaned_data["action"]
        try:
            done = ACTIONS[action](workflow_id)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Workflow {done.workflow_id}: {action} requested; it is now {done.status}.")
        return redirect("ops:dashboard")
    workflow_id, action = request.GET.get("id", ""), request.GET.get("action", "")
    context: dict[str, object] = {"action": action if action in ACTIONS else "", "workflow_id": workflow_id}
    status = 200
    try:
        context["workflow"] = workflows.get_workflow(workflow_id)
    except DomainError as error:
        context["error"] = error.message
        status = 404 if error.code == "not_found" else 503
    return render(request, "ops/workflow.html", context, status=status)
