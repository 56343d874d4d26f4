"""Every person has a personal workspace they own, from sign-up (or, for a person made another way, from the
first time one is needed), and is a stranger to everyone else's."""

import pytest
from django.db import IntegrityError, transaction

from tidings.accounts.models import User
from tidings.core.errors import NotFound
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.services import membership, memberships_of, personal_workspace

pytestmark = pytest.mark.django_db


def test_a_new_user_owns_a_personal_workspace(alice: User) -> None:
    workspace = Workspace.objects.get(personal_owner=alice)
    assert workspace.name == "alice's workspace"
    assert list(Membership.objects.filter(workspace=workspace).values_list("user__username", "role")) == [
        ("alice", "owner")
    ]
    assert personal_workspace(alice) == workspace
    assert [m.workspace for m in memberships_of(alice)] == [workspace]


def test_a_person_made_without_the_service_gets_one_when_it_is_first_needed() -> None:
    admin = User.objects.create_superuser("root", password="x")
    assert not Workspace.objects.filter(personal_owner=admin).exists()
    made = personal_workspace(admin)
    assert personal_workspace(admin) == made
    assert membership(admin, made.pk).role == "owner"


def test_a_stranger_is_told_the_workspace_does_not_exist(alice: User, bob: User) -> None:
    with pytest.raises(NotFound):
        membership(bob, personal_workspace(alice).pk)


def test_a_workspace_has_one_owner_and_a_person_one_membership(alice: User, bob: User) -> None:
    workspace = personal_workspace(alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(workspace=workspace, user=bob, role="owner")
    Membership.objects.create(workspace=workspace, user=bob, role="editor")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(workspace=workspace, user=bob, role="viewer")
