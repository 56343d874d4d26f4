"""Approvals: a contributor's post (or anyone's, where the workspace asks) waits for an approver with its credit
reserved and its queue place held; approving schedules it as proposed, asking for changes sends it back as a draft
and rejecting cancels it, both giving the credit back. Every step is a note and reaches the people concerned."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import create_account
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.notifications.models import Notification
from tidings.posts import approvals, review_links
from tidings.posts.models import PostTarget
from tidings.posts.publishing import claim_due_targets
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.checks import queue_size
from tidings.workspaces.actors import Actor
from tidings.workspaces.plan import set_tier_limits
from tidings.workspaces.roles import RoleTooLow
from tidings.workspaces.services import acting_alone

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(carol: User, alice: User, bob: User) -> dict[str, Actor]:
    """carol's Business workspace: bob is an editor there, alice a contributor; one Mastodon account."""
    workspace = workspace_of(carol)
    set_tier_limits(workspace, overrides={"members": 10})
    create_account(carol)
    return {
        "owner": acting_alone(carol),
        "editor": join(bob, workspace, "editor"),
        "writer": join(alice, workspace, "contributor"),
    }


def proposed(actor: Actor, *, minutes: int = 60, text: str = "Opening hours change on Monday") -> int:
    accounts = list(actor.workspace.social_accounts.values_list("pk", flat=True))
    post = create_post(actor, text=text, account_ids=accounts)
    schedule_post(actor, post.pk, at=timezone.now() + timedelta(minutes=minutes))
    return post.pk


def statuses(post_id: int) -> list[str]:
    return list(PostTarget.objects.filter(post_id=post_id).values_list("status", flat=True))


def notified(user: User, kind: str) -> list[str]:
    return list(Notification.objects.filter(user=user, type=kind).values_list("title", flat=True))


def test_a_contributors_post_waits_with_its_credit_and_queue_place_held(
    team: dict, carol: User, bob: User, alice: User
) -> None:
    before = available_credits(workspace_of(carol))
    post_id = proposed(team["writer"])
    assert statuses(post_id) == ["awaiting_approval"]
    assert available_credits(workspace_of(carol)) == before - 1
    assert queue_size(workspace_of(carol)) == 1
    assert [n.kind for n in approvals.PostNote.objects.filter(post_id=post_id)] == ["proposed"]
    assert notified(carol, "post_review") == notified(bob, "post_review") == ["A post waits for your approval"]
    assert notified(alice, "post_review") == []
    # Never claimed while it waits, even when due.
    assert claim_due_targets(now=timezone.now() + timedelta(hours=2)) == []


def test_approving_schedules_it_as_proposed_without_a_second_credit(team: dict, carol: User, alice: User) -> None:
    post_id = proposed(team["writer"], minutes=90)
    reserved = CreditReservation.objects.filter(target__post_id=post_id, status=ReservationStatus.PENDING)
    assert reserved.count() == 1
    approvals.approve_post(team["editor"], post_id, text="Lovely")
    assert statuses(post_id) == ["scheduled"]
    assert reserved.count() == 1
    assert notified(alice, "post_decided") == ["Your post was approved"]
    notes = list(approvals.PostNote.objects.filter(post_id=post_id).values_list("kind", "author__username", "text"))
    assert notes == [("proposed", "alice", ""), ("approved", "bob", "Lovely")]
    claimed = claim_due_targets(now=timezone.now() + timedelta(minutes=91))
    assert [target_id for target_id, _, _ in claimed] == list(
        PostTarget.objects.filter(post_id=post_id).values_list("pk", flat=True)
    )


def test_a_post_approved_after_its_time_goes_out_at_once(team: dict) -> None:
    post_id = proposed(team["writer"], minutes=5)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        approvals.approve_post(team["editor"], post_id)
        assert statuses(post_id) == ["scheduled"]
        assert len(claim_due_targets()) == 1


def test_asking_for_changes_sends_it_back_as_a_draft_and_gives_the_credit_back(
    team: dict, carol: User, alice: User
) -> None:
    before = available_credits(workspace_of(carol))
    post_id = proposed(team["writer"])
    with pytest.raises(InvalidInput, match="Say what should change"):
        approvals.request_changes(team["editor"], post_id, text="  ")
    approvals.request_changes(team["editor"], post_id, text="Say which Monday.")
    assert statuses(post_id) == ["draft"]
    assert available_credits(workspace_of(carol)) == before
    post = approvals.Post.objects.get(pk=post_id)
    assert post.draft_reason == "bob asked for changes: Say which Monday."
    assert notified(alice, "post_decided") == ["Changes asked for on your post"]
    with pytest.raises(Conflict, match="not waiting for approval"):
        approvals.approve_post(team["editor"], post_id)


def test_rejecting_cancels_it_and_gives_the_credit_back(team: dict, carol: User) -> None:
    before = available_credits(workspace_of(carol))
    post_id = proposed(team["writer"])
    approvals.reject_post(team["owner"], post_id, text="Not this week")
    assert statuses(post_id) == ["cancelled"]
    assert available_credits(workspace_of(carol)) == before


def test_who_may_decide(team: dict, carol: User, bob: User) -> None:
    post_id = proposed(team["writer"])
    with pytest.raises(RoleTooLow, match="needs Editor or above"):
        approvals.approve_post(team["writer"], post_id)
    with pytest.raises(NotFound):
        approvals.approve_post(acting_alone(bob), post_id)  # bob's own workspace has no such post
    # Where every post needs approval, an editor's own proposal waits for someone else (the owner may approve hers).
    workspace = workspace_of(carol)
    workspace.posts_need_approval = True
    workspace.save()
    editor = team["editor"]
    editor.workspace.refresh_from_db()
    own = proposed(editor, text="Editor's own")
    assert statuses(own) == ["awaiting_approval"]
    with pytest.raises(Conflict, match="Someone else approves a post you proposed"):
        approvals.approve_post(editor, own)
    team["owner"].workspace.refresh_from_db()
    mine = proposed(team["owner"], text="Owner's own")
    approvals.approve_post(team["owner"], mine)
    assert statuses(mine) == ["scheduled"]


def test_comments_are_for_members_who_may_write(team: dict, carol: User, alice: User) -> None:
    post_id = proposed(team["writer"])
    approvals.comment(team["editor"], post_id, text="Can we add the new address?")
    assert notified(alice, "post_comment") == ["New comment on a post"]
    viewer = join(User.objects.create_user("vera"), workspace_of(carol), "viewer")
    with pytest.raises(RoleTooLow):
        approvals.comment(viewer, post_id, text="Hi")
    with pytest.raises(InvalidInput, match="Write a comment first"):
        approvals.comment(team["writer"], post_id, text=" ")


def test_a_client_approves_through_a_signed_link_under_their_name(team: dict, alice: User) -> None:
    post_id = proposed(team["writer"])
    with pytest.raises(RoleTooLow):
        review_links.make_review_link(team["writer"], post_id)
    token = review_links.make_review_link(team["editor"], post_id)
    with pytest.raises(NotFound):
        review_links.open_review(token[:-2] + "xx")
    with pytest.raises(InvalidInput, match="Give your name"):
        review_links.approve_by_link(token, name=" ")
    review_links.comment_by_link(token, name="Dana from Acme", text="Looks right")
    review_links.approve_by_link(token, name="Dana from Acme")
    assert statuses(post_id) == ["scheduled"]
    notes = [(n.kind, n.who) for n in approvals.PostNote.objects.filter(post_id=post_id)]
    assert notes[-2:] == [("comment", "Dana from Acme (approval link)"), ("approved", "Dana from Acme (approval link)")]
    with pytest.raises(Conflict, match="not waiting for approval"):
        review_links.request_changes_by_link(token, name="Dana", text="Wait")
    with time_machine.travel(timezone.now() + timedelta(days=15)), pytest.raises(Conflict, match="expired"):
        review_links.open_review(token)


def test_a_proposal_decided_too_late_to_go_out_asks_for_a_new_time(team: dict, settings: object) -> None:
    post_id = proposed(team["writer"], minutes=5)
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        with pytest.raises(Conflict, match="was due 2 hours ago, too long for it to go out late"):
            approvals.approve_post(team["editor"], post_id)
        assert statuses(post_id) == ["awaiting_approval"]
        later = timezone.now() + timedelta(days=1)
        approvals.approve_post(team["editor"], post_id, at=later)
        assert statuses(post_id) == ["scheduled"]
        assert set(PostTarget.objects.filter(post_id=post_id).values_list("scheduled_at", flat=True)) == {later}
        assert approvals.Post.objects.get(pk=post_id).scheduled_at == later
