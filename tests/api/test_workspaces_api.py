"""The API's workspaces, members, invitations, approvals and comments: what the web does, with scopes and roles."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.api.conftest import Api, error, token
from tests.conftest import create_account
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.api.scopes import scopes_for
from tidings.api.services import create_token
from tidings.posts.models import PostTarget
from tidings.workspaces.members import create_workspace
from tidings.workspaces.models import Invitation, Membership
from tidings.workspaces.plan import set_tier_limits

pytestmark = pytest.mark.django_db


def as_member(user: User, host: User, role: str) -> Api:
    actor = join(user, workspace_of(host), role)
    return Api(create_token(actor, name="member", scopes=list(scopes_for(is_staff=False)))[1])


def test_workspaces_lists_every_membership_and_marks_the_tokens(carol: User) -> None:
    acme = create_workspace(carol, name="Acme")
    api = Api(token(carol))
    listed = api.get("/workspaces").json()
    assert [(w["name"], w["role"], w["personal"], w["current"]) for w in listed] == [
        ("carol's workspace", "owner", True, True),
        ("Acme", "owner", False, False),
    ]
    current = api.get("/workspace").json()
    assert (current["id"], current["tier"], current["role"]) == (workspace_of(carol).pk, "business", "owner")
    assert acme.pk not in {w["id"] for w in listed if w["current"]}


def test_members_and_invitations_round_trip(carol: User, bob: User) -> None:
    set_tier_limits(workspace_of(carol), overrides={"members": 4})
    join(bob, workspace_of(carol), "viewer")
    api = Api(token(carol))
    assert [(m["username"], m["role"]) for m in api.get("/workspace/members").json()] == [
        ("carol", "owner"),
        ("bob", "viewer"),
    ]
    assert api.patch(f"/workspace/members/{bob.pk}", {"role": "editor"}).json()["role"] == "editor"
    error(api.patch(f"/workspace/members/{bob.pk}", {"role": "owner"}), 400, "invalid_input")
    sent = api.post(
        "/workspace/invitations",
        {"email": "dana@example.com", "role": "contributor"},
        headers={"Idempotency-Key": "inv-1"},
    )
    assert sent.status_code == 201, sent.content
    again = api.post(
        "/workspace/invitations",
        {"email": "dana@example.com", "role": "contributor"},
        headers={"Idempotency-Key": "inv-1"},
    )
    assert (again.status_code, again["Idempotent-Replayed"], again.json()["id"]) == (201, "true", sent.json()["id"])
    assert len(mail.outbox) == 1
    assert [i["email"] for i in api.get("/workspace/invitations").json()] == ["dana@example.com"]
    assert api.delete(f"/workspace/invitations/{sent.json()['id']}").status_code == 204
    assert Invitation.objects.get().revoked_at is not None
    assert api.delete(f"/workspace/members/{bob.pk}").status_code == 204
    assert not Membership.objects.filter(user=bob, workspace=workspace_of(carol)).exists()


def test_a_member_without_the_role_gets_403_and_a_stranger_404(carol: User, bob: User, alice: User) -> None:
    set_tier_limits(workspace_of(carol), overrides={"members": 4})
    viewer = as_member(bob, carol, "viewer")
    refused = error(
        viewer.post("/workspace/invitations", {"email": "x@example.com", "role": "viewer"}), 403, "role_too_low"
    )
    assert refused["needed"] == "admin"
    error(viewer.delete(f"/workspace/members/{carol.pk}"), 403, "role_too_low")
    error(Api(token(alice)).delete(f"/workspace/members/{bob.pk}"), 404, "not_found")
    read_only = Api(token(carol, scopes=["workspace:read"]))
    error(read_only.delete(f"/workspace/members/{bob.pk}"), 403, "forbidden")
    assert Membership.objects.filter(workspace=workspace_of(carol)).count() == 2


def test_a_contributors_post_is_approved_through_the_api_with_notes(carol: User, alice: User) -> None:
    set_tier_limits(workspace_of(carol), overrides={"members": 4})
    account = create_account(carol)
    writer = as_member(alice, carol, "contributor")
    made = writer.post("/posts", {"text": "New opening hours", "account_ids": [account.pk]}).json()
    at = (timezone.now() + timedelta(hours=3)).isoformat()
    proposed = writer.post(f"/posts/{made['id']}/schedule", {"scheduled_at": at})
    assert proposed.status_code == 200, proposed.content
    assert proposed.json()["status"] == "awaiting_approval"
    error(writer.post(f"/posts/{made['id']}/approve", {}), 403, "role_too_low")
    owner = Api(token(carol))
    assert owner.post(f"/posts/{made['id']}/notes", {"text": "Add the address?"}).status_code == 201
    approved = owner.post(f"/posts/{made['id']}/approve", {"text": "Go"})
    assert approved.json()["status"] == "scheduled"
    assert list(PostTarget.objects.filter(post_id=made["id"]).values_list("status", flat=True)) == ["scheduled"]
    kinds = [(n["kind"], n["who"]) for n in writer.get(f"/posts/{made['id']}/notes").json()]
    assert kinds == [("proposed", "alice"), ("comment", "carol"), ("approved", "carol")]
    error(owner.post(f"/posts/{made['id']}/review-link"), 409, "conflict")
