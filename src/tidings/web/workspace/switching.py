"""Switching the workspace one works in (kept in the session), and making a new one."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from tidings.core.errors import DomainError
from tidings.web.auth import WORKSPACE_KEY, signed_in
from tidings.workspaces.members import create_workspace
from tidings.workspaces.services import membership


class NewWorkspaceForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="A client's or a team's name, for example.")


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Work in another of one's workspaces; a workspace one is not a member of is a 404 like any other."""
    user = signed_in(request)
    try:
        workspace_id = int(request.POST.get("workspace_id", ""))
    except ValueError:
        workspace_id = 0
    found = membership(user, workspace_id)  # NotFound -> 404
    request.session[WORKSPACE_KEY] = found.workspace_id
    messages.success(request, f"Now working in {found.workspace.name}.")
    return redirect("dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def new_workspace(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = NewWorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = create_workspace(user, name=form.cleaned_data["name"])
        except DomainError as error:
            form.add_error("name" if error.details.get("field") == "name" else None, error.message)
        else:
            request.session[WORKSPACE_KEY] = made.pk
            messages.success(request, f"{made.name} is ready. Connect its accounts and invite its people.")
            return redirect("members")
    return render(request, "web/workspace/new.html", {"form": form, "section": "workspace"})


urls = [
    path("workspace/switch/", switch, name="workspace-switch"),
    path("workspace/new/", new_workspace, name="workspace-new"),
]
