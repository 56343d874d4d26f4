"""A workspace's people: shared workspaces, roles that only move downwards, removing, leaving, handing over."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.api.models import ApiToken
from tidings.api.services import create_token
from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.credits.models import CreditLedgerEntry
from tidings.platforms.models import SocialAccount
from tidings.platforms.services import connect_account
from tidings.posts.models import Post
from tidings.posts.services import create_post, schedule_post
from tidings.workspaces.members import (
    change_role,
    create_workspace,
    delete_workspace,
    remove_member,
    transfer_ownership,
)
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.plan import set_tier_limits
from tidings.workspaces.roles import RoleTooLow
from tidings.workspaces.services import acting_alone, acting_as, memberships_of

pytestmark = pytest.mark.django_db


def test_a_shared_workspace_starts_on_free_with_its_own_first_credits(carol: User) -> None:
    made = create_workspace(carol, name="  Acme   Bakery ")
    assert (made.name, made.tier, made.credits, made.video_credits, made.personal_owner) == (
        "Acme Bakery",
        "free",
        10,
        2,
        None,
    )
    assert list(CreditLedgerEntry.objects.filter(workspace=made).values_list("kind", "amount")) == [
        ("grant", 10),
        ("grant", 2),
    ]
    assert [m.workspace.name for m in memberships_of(carol)] == ["carol's workspace", "Acme Bakery"]
    assert acting_as(carol, made.pk).role == "owner"
    # Her own workspace is untouched.
    assert workspace_of(carol).credits == 2000


def test_one_person_may_own_only_so_many_shared_workspaces(alice: User, settings: object) -> None:
    settings.TIDINGS_MAX_OWNED_WORKSPACES = 2  # type: ignore[attr-defined]
    create_workspace(alice, name="One")
    create_workspace(alice, name="Two")
    with pytest.raises(Conflict, match="You own 2 shared workspaces"):
        create_workspace(alice, name="Three")


@pytest.fixture
def team(carol: User, alice: User, bob: User) -> dict[str, object]:
    """carol owns Acme; bob is its admin, alice an editor."""
    acme = create_workspace(carol, name="Acme")
    set_tier_limits(acme, overrides={"members": 10})
    return {
        "acme": acme,
        "carol": acting_as(carol, acme.pk),
        "bob": join(bob, acme, "admin"),
        "alice": join(alice, acme, "editor"),
    }


def test_an_admin_manages_those_below_them_and_no_one_else(team: dict, alice: User, bob: User, carol: User) -> None:
    assert change_role(team["bob"], alice.pk, role="viewer").role == "viewer"
    with pytest.raises(RoleTooLow, match=r"roles below your own \(Admin\)"):
        change_role(team["bob"], alice.pk, role="admin")
    with pytest.raises(Conflict, match="The owner's role changes only"):
        change_role(team["bob"], carol.pk, role="viewer")
    with pytest.raises(RoleTooLow):
        change_role(acting_as(alice, team["acme"].pk), bob.pk, role="viewer")
    assert Membership.objects.get(workspace=team["acme"], user=bob).role == "admin"


def test_a_removed_member_loses_the_workspace_and_its_tokens(team: dict, alice: User) -> None:
    token, _ = create_token(team["alice"], name="script", scopes=["posts:read"])
    remove_member(team["bob"], alice.pk)
    with pytest.raises(NotFound):
        acting_as(alice, team["acme"].pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    with pytest.raises(NotFound):
        remove_member(team["bob"], alice.pk)


def test_a_member_may_leave_but_the_owner_must_hand_over_first(team: dict, alice: User, bob: User, carol: User) -> None:
    remove_member(team["alice"], alice.pk)
    assert not Membership.objects.filter(workspace=team["acme"], user=alice).exists()
    with pytest.raises(Conflict, match="hand the workspace over first"):
        remove_member(team["carol"], carol.pk)
    with pytest.raises(RoleTooLow):
        transfer_ownership(team["bob"], bob.pk)
    transfer_ownership(team["carol"], bob.pk)
    roles = dict(Membership.objects.filter(workspace=team["acme"]).values_list("user__username", "role"))
    assert roles == {"carol": "admin", "bob": "owner"}
    remove_member(acting_as(carol, team["acme"].pk), carol.pk)
    assert not mail.outbox


def test_a_personal_workspace_handed_over_becomes_shared(alice: User, bob: User) -> None:
    """alice gives her own workspace to bob (say, before she leaves the team): it is his, shared, and she gets a new
    personal workspace the next time she needs one."""
    given = workspace_of(alice)
    join(bob, given, "admin")
    transfer_ownership(owner(alice), bob.pk)
    given.refresh_from_db()
    assert given.personal_owner is None
    assert dict(Membership.objects.filter(workspace=given).values_list("user__username", "role")) == {
        "alice": "admin",
        "bob": "owner",
    }
    fresh = acting_alone(alice).workspace
    assert fresh != given
    assert fresh.personal_owner == alice


def test_the_owner_deletes_a_shared_workspace_with_all_it_holds(carol: User, bob: User) -> None:
    acme = create_workspace(carol, name="Acme")
    set_tier_limits(acme, overrides={"members": 5})
    admin = join(bob, acme, "admin")
    account = connect_account(admin, platform="mastodon", external_id="acme-1", handle="@acme", access_token="t")
    post = create_post(admin, text="Bye", account_ids=[account.pk])
    schedule_post(admin, post.pk, at=timezone.now() + timedelta(days=1))
    with pytest.raises(RoleTooLow):
        delete_workspace(admin, confirm_name="Acme")
    with pytest.raises(InvalidInput, match="Type the workspace's name, Acme"):
        delete_workspace(acting_as(carol, acme.pk), confirm_name="acme")
    with pytest.raises(Conflict, match="goes only with your account"):
        delete_workspace(owner(carol), confirm_name="carol's workspace")
    delete_workspace(acting_as(carol, acme.pk), confirm_name=" Acme ")
    assert not Workspace.objects.filter(pk=acme.pk).exists()
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not SocialAccount.objects.filter(pk=account.pk).exists()
    assert [m.workspace.name for m in memberships_of(bob)] == ["bob's workspace"]
    assert workspace_of(carol).credits == 2000
