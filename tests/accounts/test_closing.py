"""Deleting an account: refused without the password, while a post is being sent, or while the person owns a
workspace with other members in it; otherwise their personal workspace and everything in it goes, their scheduled
posts never go out, their files leave the disk, and their memberships elsewhere end."""

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.states import bring_to
from tests.support.workspaces import join, workspace_of
from tidings.accounts.closing import closing_summary, delete_account
from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.notifications.models import Notification
from tidings.platforms.models import Platform, SocialAccount
from tidings.posts import publishing
from tidings.posts.models import MediaAsset, Post, PostTarget, TargetStatus
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.plan import set_tier_limits
from tidings.workspaces.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"


def test_the_summary_says_what_goes() -> None:
    bob = make_user("bob", Tier.PRO)
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    create_scheduled_post(bob, [mastodon, bluesky], days=1)
    sent = create_scheduled_post(bob, [mastodon], days=2)
    bring_to(sent.targets.get(), TargetStatus.PUBLISHING)
    assert closing_summary(bob).__dict__ == {
        "posts": 2,
        "waiting": 2,
        "publishing": 1,
        "held_credits": 3,
        "held_video_credits": 0,
        "credits": 500,
        "video_credits": 30,
        "accounts": 2,
        "media": 0,
        "hand_over": (),
        "leaving": 0,
    }


def test_a_wrong_password_deletes_nothing() -> None:
    bob = make_user("bob", Tier.PRO)
    create_scheduled_post(bob, [create_account(bob)], days=1)
    for password in ("", "wrong"):
        with pytest.raises(InvalidInput, match=re.escape("That is not your password; nothing was deleted.")) as refusal:
            delete_account(bob, password=password)
        assert refusal.value.details == {"field": "password"}
    assert User.objects.filter(pk=bob.pk).exists()
    assert CreditReservation.objects.filter(workspace=workspace_of(bob), status="pending").count() == 1


def test_a_post_being_sent_holds_the_deletion_until_it_ends() -> None:
    bob = make_user("bob", Tier.PRO)
    post = create_scheduled_post(bob, [create_account(bob)], days=1)
    target = bring_to(post.targets.get(), TargetStatus.PUBLISHING)
    with pytest.raises(Conflict, match=re.escape("1 post is being published right now.")) as refusal:
        delete_account(bob, password=PASSWORD)
    assert "nothing was deleted" in refusal.value.message
    assert User.objects.filter(pk=bob.pk).exists()
    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.PUBLISHING
    # The platform answers; its outcome is recorded; then the account can go.
    publishing.complete_publish(target.pk, external_id="sent-1")
    delete_account(bob, password=PASSWORD)
    assert not User.objects.filter(pk=bob.pk).exists()


def test_everything_the_user_owns_goes_and_nothing_of_anyone_else() -> None:
    bob, carol = make_user("bob", Tier.PRO), make_user("carol", Tier.BUSINESS)
    bobs = workspace_of(bob)
    account = create_account(bob)
    waiting = create_scheduled_post(bob, [account], days=1)
    unknown = create_scheduled_post(bob, [account], days=2)
    bring_to(unknown.targets.get(), TargetStatus.UNCONFIRMED)
    done = create_scheduled_post(bob, [account], days=3)
    bring_to(done.targets.get(), TargetStatus.PUBLISHED)
    name = default_storage.save("uploads/" + "a" * 32 + ".png", ContentFile(b"png"))
    MediaAsset.objects.create(
        workspace=workspace_of(bob), post=waiting, file=name, kind="image", mime_type="image/png", size_bytes=3
    )
    theirs = create_scheduled_post(carol, [create_account(carol)], days=1)
    target_ids = list(PostTarget.objects.filter(post__workspace=workspace_of(bob)).values_list("pk", flat=True))

    delete_account(bob, password=PASSWORD)

    assert not User.objects.filter(pk=bob.pk).exists()
    assert not Workspace.objects.filter(pk=bobs.pk).exists()
    for model in (Post, SocialAccount, CreditReservation, CreditLedgerEntry, MediaAsset):
        assert not model.objects.filter(workspace_id=bobs.pk).exists(), model
    assert not Notification.objects.filter(user_id=bob.pk).exists()
    assert not PostTarget.objects.filter(pk__in=target_ids).exists()
    assert not Path(default_storage.path(name)).exists()
    # A send that was due for one of them finds nothing to do.
    assert publishing.begin_publish(target_ids[0]).action == "done"
    assert Post.objects.filter(pk=theirs.pk).exists()
    assert CreditReservation.objects.filter(workspace=workspace_of(carol), status="pending").count() == 1


def test_memberships_elsewhere_end_and_those_workspaces_keep_their_work() -> None:
    bob, carol = make_user("bob", Tier.PRO), make_user("carol", Tier.BUSINESS)
    editor = join(bob, workspace_of(carol), Role.EDITOR)
    written = create_post(editor, text="Bob wrote this for carol", account_ids=[create_account(carol).pk])
    assert closing_summary(bob).leaving == 1

    delete_account(bob, password=PASSWORD)

    assert not Membership.objects.filter(user_id=bob.pk).exists()
    written.refresh_from_db()
    assert (written.workspace, written.author) == (workspace_of(carol), None)
    assert Membership.objects.get(workspace=workspace_of(carol)).user == carol


def test_a_shared_workspace_the_person_owns_must_be_handed_over_first() -> None:
    bob, carol = make_user("bob", Tier.PRO), make_user("carol", Tier.BUSINESS)
    team = Workspace.objects.create(name="Bakery team", tier=Tier.PRO)
    Membership.objects.create(workspace=team, user=bob, role=Role.OWNER)
    join(carol, team, Role.EDITOR)
    assert closing_summary(bob).hand_over == ("Bakery team",)

    with pytest.raises(Conflict, match=re.escape("You own “Bakery team” together with other members. Hand it over")):
        delete_account(bob, password=PASSWORD)

    assert User.objects.filter(pk=bob.pk).exists()
    assert Workspace.objects.filter(pk__in=[team.pk, workspace_of(bob).pk]).count() == 2
    # Handed over (carol owns it now), bob's account can go; the team stays with her.
    Membership.objects.filter(workspace=team, user=bob).update(role=Role.EDITOR)
    Membership.objects.filter(workspace=team, user=carol).update(role=Role.OWNER)
    delete_account(bob, password=PASSWORD)
    assert list(Membership.objects.filter(workspace=team).values_list("user__username", "role")) == [("carol", "owner")]


def test_a_workspace_the_person_owns_alone_goes_with_them() -> None:
    bob = make_user("bob", Tier.PRO)
    side = Workspace.objects.create(name="Side project")
    Membership.objects.create(workspace=side, user=bob, role=Role.OWNER)
    delete_account(bob, password=PASSWORD)
    assert not Workspace.objects.filter(pk=side.pk).exists()


def test_a_personal_workspace_with_other_members_is_handed_over_too_and_then_stays() -> None:
    bob, carol = make_user("bob", Tier.PRO), make_user("carol", Tier.BUSINESS)
    bobs = workspace_of(bob)
    set_tier_limits(bobs, overrides={"members": 5})
    join(carol, bobs, Role.EDITOR)
    post = create_scheduled_post(bob, [create_account(bob)], days=1)
    assert closing_summary(bob).hand_over == (bobs.name,)
    with pytest.raises(Conflict, match="Hand it over to another member"):
        delete_account(bob, password=PASSWORD)

    Membership.objects.filter(workspace=bobs, user=bob).update(role=Role.EDITOR)
    Membership.objects.filter(workspace=bobs, user=carol).update(role=Role.OWNER)
    delete_account(bob, password=PASSWORD)

    kept = Workspace.objects.get(pk=bobs.pk)
    assert (kept.personal_owner, kept.credits) == (None, bobs.credits)
    assert list(kept.memberships.values_list("user__username", flat=True)) == ["carol"]
    assert list(PostTarget.objects.filter(post=post).values_list("status", flat=True)) == ["scheduled"]
