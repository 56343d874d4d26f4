"""Invitations: an emailed link for one address, single use, expiring; each open one holds a seat of the plan's
members limit, and a refusal says so, notifies, and sends nothing."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests.conftest import make_user
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict, NotFound
from tidings.notifications.models import Notification
from tidings.tiers.plans import Tier
from tidings.tiers.services import TierLimitReached
from tidings.workspaces.invitations import accept, invite, revoke
from tidings.workspaces.models import Invitation, Membership
from tidings.workspaces.roles import RoleTooLow

pytestmark = pytest.mark.django_db


def link(secret: str) -> str:
    return f"https://tidings.test/invitations/{secret}/"


def secret_in_mail() -> str:
    found = re.search(r"https://tidings\.test/invitations/([^/\s]+)/", mail.outbox[-1].body)
    assert found is not None
    return found.group(1)


def test_an_invitation_is_mailed_and_accepted_once_by_its_address(bob: User) -> None:
    sent = invite(owner(bob), email=" Dana@Example.com ", role="editor", link=link)
    assert mail.outbox[-1].to == ["dana@example.com"]
    assert "bob invites you to work in bob's workspace on Tidings as editor" in mail.outbox[-1].body
    stored = Invitation.objects.get()
    assert stored.secret_hash != sent.secret
    assert sent.secret not in str(stored.__dict__)
    dana = make_user("dana", Tier.FREE, email="dana@example.com")
    member = accept(dana, secret=secret_in_mail())
    assert (member.workspace, member.role) == (workspace_of(bob), "editor")
    with pytest.raises(Conflict, match="has been used"):
        accept(dana, secret=sent.secret)


def test_someone_else_cannot_use_the_link(bob: User, carol: User) -> None:
    carol.email = "carol@example.com"
    carol.save()
    sent = invite(owner(bob), email="dana@example.com", role="viewer", link=link)
    with pytest.raises(Conflict, match=r"This invitation is for dana@example\.com"):
        accept(carol, secret=sent.secret)
    with pytest.raises(NotFound):
        accept(carol, secret=sent.secret + "x")
    assert not Membership.objects.filter(user=carol, workspace=workspace_of(bob)).exists()


def test_an_expired_or_withdrawn_invitation_lets_no_one_in(bob: User) -> None:
    dana = make_user("dana", Tier.FREE, email="dana@example.com")
    expired = invite(owner(bob), email="dana@example.com", role="viewer", link=link)
    with time_machine.travel(timezone.now() + timedelta(days=8)), pytest.raises(Conflict, match="has expired"):
        accept(dana, secret=expired.secret)
    withdrawn = invite(owner(bob), email="dana@example.com", role="viewer", link=link)
    revoke(owner(bob), withdrawn.invitation.pk)
    with pytest.raises(Conflict, match="was withdrawn"):
        accept(dana, secret=withdrawn.secret)


def test_the_members_limit_counts_open_invitations_and_refuses_with_the_numbers(bob: User) -> None:
    """Pro allows 3 members: bob and two invitations fill it; inviting the same address again keeps its seat."""
    invite(owner(bob), email="one@example.com", role="editor", link=link)
    invite(owner(bob), email="two@example.com", role="editor", link=link)
    invite(owner(bob), email="two@example.com", role="viewer", link=link)
    sent = len(mail.outbox)
    with pytest.raises(TierLimitReached) as refused:
        invite(owner(bob), email="three@example.com", role="editor", link=link)
    assert refused.value.as_dict() | {"message": ""} == {
        "code": "tier_limit_reached",
        "message": "",
        "check": "can_add_member",
        "limit_name": "members",
        "limit": 3,
        "used": 3,
        "tier": "pro",
    }
    assert refused.value.message.startswith("This workspace has every member its plan allows")
    assert len(mail.outbox) == sent
    assert not Invitation.objects.filter(email="three@example.com").exists()
    assert Notification.objects.filter(user=bob, type="tier_limit_reached", workspace=workspace_of(bob)).count() == 1


def test_free_shares_with_no_one(alice: User) -> None:
    with pytest.raises(TierLimitReached, match="1 of 1 used on the Free plan"):
        invite(owner(alice), email="dana@example.com", role="editor", link=link)


def test_only_admins_invite_and_never_above_themselves(bob: User, carol: User, alice: User) -> None:
    editor = join(carol, workspace_of(bob), "editor")
    with pytest.raises(RoleTooLow, match="needs Admin or above"):
        invite(editor, email="dana@example.com", role="viewer", link=link)
    admin = join(alice, workspace_of(bob), "admin")
    with pytest.raises(RoleTooLow, match=r"below your own \(Admin\)"):
        invite(admin, email="dana@example.com", role="admin", link=link)
    assert not mail.outbox
