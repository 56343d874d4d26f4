"""The current workspace's settings and its people: invite, change a role, remove, hand over, leave."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from tidings.core.errors import DomainError, NotFound
from tidings.tiers.checks import can_add_member
from tidings.web.auth import WORKSPACE_KEY, acting
from tidings.web.errors import show_on_form
from tidings.workspaces import invitations
from tidings.workspaces import members as people
from tidings.workspaces.roles import ACTION_PHRASES, NEEDS, Action, Role, RoleTooLow
from tidings.workspaces.selectors import open_invitations

INVITABLE = [(r.value, r.label) for r in Role if r != Role.OWNER]
ROLE_HELP = {
    Role.OWNER: "Everything, including the plan, handing over and deleting the workspace.",
    Role.ADMIN: "Connects accounts, manages members and settings, and does all an editor does.",
    Role.EDITOR: "Writes, schedules and publishes posts, approves others' and runs automation.",
    Role.CONTRIBUTOR: "Writes drafts and proposes them; an editor approves them before they are scheduled.",
    Role.VIEWER: "Sees posts, the queue, the calendar and the plan; changes nothing.",
}


class WorkspaceForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    posts_need_approval = forms.BooleanField(
        label="Posts need approval",
        required=False,
        help_text="Every post waits for an editor's approval before it is scheduled. Contributors' posts always do.",
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(label="Role", choices=INVITABLE, initial=Role.EDITOR)


@login_required
@require_http_methods(["GET", "POST"])
def workspace_page(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    if request.method == "POST":
        actor.require(Action.SETTINGS)
    workspace = actor.workspace
    initial = {"name": workspace.name, "posts_need_approval": workspace.posts_need_approval}
    form = WorkspaceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            people.rename_workspace(
                actor, name=form.cleaned_data["name"], posts_need_approval=form.cleaned_data["posts_need_approval"]
            )
        except RoleTooLow:
            raise
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Workspace saved.")
            return redirect("workspace")
    context = {
        "form": form,
        "section": "workspace",
        "may_edit": actor.may(Action.SETTINGS),
        "may_delete": actor.may(Action.OWN) and workspace.personal_owner_id is None,
    }
    return render(request, "web/workspace/settings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def members_page(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    if request.method == "POST":
        actor.require(Action.MEMBERS)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = invitations.invite(
                actor,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                link=lambda secret: request.build_absolute_uri(reverse("invitation", args=[secret])),
            )
        except RoleTooLow:
            raise
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"Invitation sent to {sent.invitation.email}.")
            return redirect("members")
    everyone = people.members(actor.workspace)
    context = {
        "form": form,
        "section": "members",
        "members": everyone,
        "invitations": open_invitations(actor.workspace),
        "seats": can_add_member(actor.workspace),
        "may_manage": actor.may(Action.MEMBERS),
        "may_hand_over": actor.may(Action.OWN),
        "roles": [(role, ROLE_HELP[role]) for role in Role],
        "assignable": [(r.value, r.label) for r in Role if r != Role.OWNER],
        "manage_needs": NEEDS[Action.MEMBERS].label,
        "manage_phrase": ACTION_PHRASES[Action.MEMBERS],
    }
    return render(request, "web/workspace/members.html", context)


def _run(request: HttpRequest, done: str, call: object) -> HttpResponse:
    try:
        call()  # type: ignore[operator]
    except (RoleTooLow, NotFound):
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("members")


def _user_id(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("user_id", ""))
    except ValueError:
        return 0


@login_required
@require_POST
def change_role(request: HttpRequest) -> HttpResponse:
    actor, user_id, role = acting(request), _user_id(request), str(request.POST.get("role", ""))
    return _run(request, "Role changed.", lambda: people.change_role(actor, user_id, role=role))


@login_required
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    actor, user_id = acting(request), _user_id(request)
    leaving = actor.user is not None and actor.user.pk == user_id
    if leaving:
        try:
            people.remove_member(actor, user_id)
        except NotFound:
            raise
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("members")
        messages.success(request, f"You left {actor.workspace.name}.")
        return redirect("dashboard")
    return _run(request, "Member removed.", lambda: people.remove_member(actor, user_id))


@login_required
@require_POST
def hand_over(request: HttpRequest) -> HttpResponse:
    actor, user_id = acting(request), _user_id(request)
    return _run(
        request,
        "The workspace is theirs now; you stay on as an admin.",
        lambda: people.transfer_ownership(actor, user_id),
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, invitation_id: int) -> HttpResponse:
    actor = acting(request)
    return _run(request, "Invitation withdrawn.", lambda: invitations.revoke(actor, invitation_id))


@login_required
@require_POST
def delete(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    name = actor.workspace.name
    try:
        people.delete_workspace(actor, confirm_name=str(request.POST.get("confirm_name", "")))
    except (RoleTooLow, NotFound):
        raise
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("workspace")
    request.session.pop(WORKSPACE_KEY, None)
    messages.success(request, f"{name} is deleted, with everything in it.")
    return redirect("dashboard")


urls = [
    path("workspace/", workspace_page, name="workspace"),
    path("workspace/delete/", delete, name="workspace-delete"),
    path("workspace/members/", members_page, name="members"),
    path("workspace/members/role/", change_role, name="member-role"),
    path("workspace/members/remove/", remove, name="member-remove"),
    path("workspace/members/hand-over/", hand_over, name="member-hand-over"),
    path("workspace/invitations/<int:invitation_id>/withdraw/", withdraw, name="invitation-withdraw"),
]
