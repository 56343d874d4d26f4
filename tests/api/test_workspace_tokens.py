"""A token acts for its person in one workspace, with their role there: the role decides what it may change, the
workspace what it sees, and leaving the workspace ends the token."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import Api, error
from tests.conftest import create_account, create_scheduled_post
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.api.models import ApiToken
from tidings.api.scopes import scopes_for
from tidings.api.services import create_token
from tidings.credits.models import CreditReservation
from tidings.posts.models import Post
from tidings.workspaces.models import Membership
from tidings.workspaces.plan import set_tier_limits
from tidings.workspaces.roles import Role

pytestmark = pytest.mark.django_db


def member_api(user: User, host: User, role: Role) -> Api:
    """A token for `user`, made a member of `host`'s personal workspace with `role`, acting there."""
    set_tier_limits(workspace_of(host), overrides={"members": 5})
    actor = join(user, workspace_of(host), role)
    return Api(create_token(actor, name="member", scopes=list(scopes_for(is_staff=False)))[1])


def soon() -> str:
    return (timezone.now() + timedelta(hours=2)).isoformat()


def test_a_viewer_reads_but_cannot_write_a_draft(alice: User, bob: User) -> None:
    post = create_scheduled_post(alice, [create_account(alice)])
    viewer = member_api(bob, alice, Role.VIEWER)
    assert [p["id"] for p in viewer.get("/posts").json()["items"]] == [post.pk]
    refused = error(viewer.post("/posts", {"text": "Mine now"}), 403, "role_too_low")
    assert (refused["role"], refused["needed"], refused["action"]) == ("viewer", "contributor", "draft")
    assert Post.objects.count() == 1


def test_a_contributor_drafts_and_proposes_but_cannot_cancel(alice: User, bob: User) -> None:
    account = create_account(alice)
    contributor = member_api(bob, alice, Role.CONTRIBUTOR)
    made = contributor.post("/posts", {"text": "A draft", "account_ids": [account.pk]})
    assert made.status_code == 201
    draft = Post.objects.get(pk=made.json()["id"])
    assert (draft.workspace, draft.author) == (workspace_of(alice), bob)
    # A contributor's post never goes on the schedule by itself: it waits for an editor's approval.
    proposed = contributor.post(f"/posts/{draft.pk}/schedule", {"scheduled_at": soon()}).json()
    assert proposed["status"] == "awaiting_approval"
    assert "scheduled" not in draft.targets.values_list("status", flat=True)
    scheduled = create_scheduled_post(alice, [account], days=1)
    assert error(contributor.post(f"/posts/{scheduled.pk}/cancel"), 403, "role_too_low")["needed"] == "editor"
    error(contributor.delete(f"/posts/{scheduled.pk}"), 403, "role_too_low")
    assert list(scheduled.targets.values_list("status", flat=True)) == ["scheduled"]


def test_an_editor_schedules_in_the_workspace_and_its_credits_pay(alice: User, bob: User) -> None:
    account = create_account(alice)
    editor = member_api(bob, alice, Role.EDITOR)
    draft = editor.post("/posts", {"text": "Hello", "account_ids": [account.pk]}).json()
    body = editor.post(f"/posts/{draft['id']}/schedule", {"scheduled_at": soon()}).json()
    assert [t["status"] for t in body["targets"]] == ["scheduled"]
    assert editor.get("/credits").json()["reserved"] == 1
    assert CreditReservation.objects.get().workspace == workspace_of(alice)
    assert workspace_of(bob).reservations.count() == 0


def test_an_editor_still_may_not_disconnect_accounts(alice: User, bob: User) -> None:
    account = create_account(alice)
    editor = member_api(bob, alice, Role.EDITOR)
    assert error(editor.post(f"/accounts/{account.pk}/disconnect"), 403, "role_too_low")["needed"] == "admin"
    account.refresh_from_db()
    assert account.status == "active"


def test_a_token_sees_only_its_own_workspace(alice: User, bob: User, bob_api: Api) -> None:
    # Bob is an editor in alice's workspace, but his own token acts in his own: alice's post is not there.
    member_api(bob, alice, Role.EDITOR)
    theirs = create_scheduled_post(alice, [create_account(alice)])
    error(bob_api.get(f"/posts/{theirs.pk}"), 404, "not_found")
    error(bob_api.post(f"/posts/{theirs.pk}/cancel"), 404, "not_found")
    assert bob_api.get("/posts").json()["items"] == []
    assert list(theirs.targets.values_list("status", flat=True)) == ["scheduled"]


def test_the_plan_and_credits_are_the_token_workspaces(alice: User, bob: User, bob_api: Api) -> None:
    in_alice = member_api(bob, alice, Role.VIEWER)
    assert (in_alice.get("/plan").json()["tier"], bob_api.get("/plan").json()["tier"]) == ("free", "pro")
    assert (in_alice.get("/credits").json()["balance"], bob_api.get("/credits").json()["balance"]) == (10, 500)


def test_a_token_stops_working_when_its_membership_ends(alice: User, bob: User) -> None:
    editor = member_api(bob, alice, Role.EDITOR)
    assert editor.get("/posts").status_code == 200
    Membership.objects.filter(user=bob, workspace=workspace_of(alice)).delete()
    refused = error(editor.get("/posts"), 401, "unauthorized")
    assert "no longer a member" in refused["message"]
    error(editor.get("/tokens/current"), 401, "unauthorized")


def test_a_role_changed_meanwhile_applies_to_the_next_request(alice: User, bob: User) -> None:
    token = member_api(bob, alice, Role.EDITOR)
    assert token.post("/posts", {"text": "One"}).status_code == 201
    Membership.objects.filter(user=bob, workspace=workspace_of(alice)).update(role=Role.VIEWER)
    error(token.post("/posts", {"text": "Two"}), 403, "role_too_low")
    assert list(Post.objects.values_list("text", flat=True)) == ["One"]


def test_a_minted_token_acts_in_its_parents_workspace(alice: User, bob: User) -> None:
    editor = member_api(bob, alice, Role.EDITOR)
    minted = editor.post("/tokens", {"name": "child", "scopes": ["posts:read"]})
    assert minted.status_code == 201
    assert minted.json()["workspace_id"] == workspace_of(alice).pk
    assert ApiToken.objects.get(pk=minted.json()["id"]).workspace == workspace_of(alice)


def test_tokens_list_and_revoke_only_within_the_workspace(alice: User, bob: User, bob_api: Api) -> None:
    editor = member_api(bob, alice, Role.EDITOR)
    own = ApiToken.objects.get(user=bob, workspace=workspace_of(bob))
    in_alice = ApiToken.objects.get(user=bob, workspace=workspace_of(alice))
    assert [t["id"] for t in editor.get("/tokens").json()["items"]] == [in_alice.pk]
    error(editor.delete(f"/tokens/{own.pk}"), 404, "not_found")
    own.refresh_from_db()
    assert own.revoked_at is None
    assert bob_api.get("/posts").status_code == 200
