"""The staff dashboard and the workflow actions: staff only; actions are POST with CSRF after a confirmation page."""

import hmac

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from prometheus_client.exposition import choose_encoder

from tidings.core.errors import DomainError
from tidings.ops import prometheus, workflows
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


def _metrics_token_ok(request: HttpRequest) -> bool:
    token = settings.TIDINGS_METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for `Authorization: Bearer $TIDINGS_METRICS_TOKEN` or a staff session. Without a token
    configured, anyone else gets 404, as if there were no such page; with one, 401 says a token is wanted."""
    user = request.user
    if not (_metrics_token_ok(request) or (user.is_active and user.is_staff)):
        if not settings.TIDINGS_METRICS_TOKEN:
            raise Http404
        response = HttpResponse("A bearer token is needed.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(prometheus.REGISTRY), content_type=content_type)
