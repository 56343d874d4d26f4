"""Workspaces, their members and invitations. A token acts in one workspace: `/workspace` is that one, and
`/workspaces` lists every workspace its person belongs to (a token for another needs to be made there)."""

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Header, Path, Router, Status

from tidings.api.auth import actor_of, needs
from tidings.api.idempotency import HEADER, run_once
from tidings.api.schemas import ERRORS, MAX_ID, ErrorOut
from tidings.api.schemas.workspaces import InvitationIn, InvitationOut, MemberOut, RoleIn, WorkspaceOut
from tidings.workspaces import invitations
from tidings.workspaces import members as people
from tidings.workspaces.selectors import open_invitations
from tidings.workspaces.services import membership, memberships_of

router = Router(tags=["workspaces"])
READ, WRITE = needs("workspace:read"), needs("workspace:write")
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
InvitationId = Annotated[int, Path(ge=1, le=MAX_ID)]
CHANGE = {**ERRORS, 409: ErrorOut}


@router.get("/workspaces", response={200: list[WorkspaceOut], **ERRORS}, auth=READ)
def list_workspaces(request: HttpRequest) -> list[WorkspaceOut]:
    actor = actor_of(request)
    assert actor.user is not None
    return [WorkspaceOut.of(m, current_id=actor.workspace.pk) for m in memberships_of(actor.user)]


@router.get("/workspace", response={200: WorkspaceOut, **ERRORS}, auth=READ)
def current_workspace(request: HttpRequest) -> WorkspaceOut:
    actor = actor_of(request)
    assert actor.user is not None
    return WorkspaceOut.of(membership(actor.user, actor.workspace.pk), current_id=actor.workspace.pk)


@router.get("/workspace/members", response={200: list[MemberOut], **ERRORS}, auth=READ)
def list_members(request: HttpRequest) -> list[MemberOut]:
    return [MemberOut.of(m) for m in people.members(actor_of(request).workspace)]


@router.patch("/workspace/members/{user_id}", response={200: MemberOut, **CHANGE}, auth=WRITE)
def change_member_role(request: HttpRequest, user_id: UserId, payload: RoleIn) -> MemberOut:
    """Give a member another role (below your own unless you own the workspace)."""
    return MemberOut.of(people.change_role(actor_of(request), user_id, role=payload.role))


@router.delete("/workspace/members/{user_id}", response={204: None, **CHANGE}, auth=WRITE)
def remove_member(request: HttpRequest, user_id: UserId) -> Status[None]:
    """Remove a member (or, with your own id, leave); their tokens for this workspace are revoked."""
    people.remove_member(actor_of(request), user_id)
    return Status(204, None)


@router.post("/workspace/members/{user_id}/owner", response={200: MemberOut, **CHANGE}, auth=WRITE)
def hand_over(request: HttpRequest, user_id: UserId) -> MemberOut:
    """The owner hands the workspace to another member and stays on as an admin."""
    return MemberOut.of(people.transfer_ownership(actor_of(request), user_id))


@router.get("/workspace/invitations", response={200: list[InvitationOut], **ERRORS}, auth=READ)
def list_invitations(request: HttpRequest) -> list[InvitationOut]:
    return [InvitationOut.of(i) for i in open_invitations(actor_of(request).workspace)]


@router.post("/workspace/invitations", response={201: InvitationOut, **CHANGE}, auth=WRITE)
def create_invitation(
    request: HttpRequest,
    response: HttpResponse,
    payload: InvitationIn,
    idempotency_key: Annotated[str | None, Header(alias=HEADER, max_length=255)] = None,
) -> Status[object]:
    """Email an invitation link. It holds a seat of the plan's members limit until answered."""

    def send() -> tuple[int, dict[str, object]]:
        sent = invitations.invite(
            actor_of(request),
            email=payload.email,
            role=payload.role,
            link=lambda secret: request.build_absolute_uri(reverse("invitation", args=[secret])),
        )
        return 201, InvitationOut.of(sent.invitation).model_dump(mode="json")

    answer = run_once(request, idempotency_key, send)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)


@router.delete("/workspace/invitations/{invitation_id}", response={204: None, **CHANGE}, auth=WRITE)
def withdraw_invitation(request: HttpRequest, invitation_id: InvitationId) -> Status[None]:
    invitations.revoke(actor_of(request), invitation_id)
    return Status(204, None)
