"""Who may do what with a workspace's posts: viewers read, contributors write drafts, editors schedule and take
posts out of the queue; a member of another workspace finds nothing. Every refusal changes nothing."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.states import bring_to
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import NotFound
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.notifications.models import Notification, NotificationType
from tidings.posts.bulk import delete_posts
from tidings.posts.duplicate import duplicate_post
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.retry import retry_target
from tidings.posts.services import (
    cancel_post,
    create_post,
    delete_post,
    reschedule_post,
    schedule_post,
    unschedule_post,
    update_post,
)
from tidings.posts.unconfirmed import check_unconfirmed, mark_did_not_go_out, mark_went_out
from tidings.tiers.plans import Tier
from tidings.workspaces.roles import RoleTooLow
from tidings.workspaces.services import acting_as

pytestmark = pytest.mark.django_db


def later(days: int = 1) -> datetime:
    return timezone.now() + timedelta(days=days, hours=1)


def pending_in(user: User) -> int:
    return CreditReservation.objects.filter(workspace=workspace_of(user), status=ReservationStatus.PENDING).count()


def test_a_viewer_may_not_write_a_draft_and_nothing_is_created(alice: User, bob: User) -> None:
    account = create_account(alice)
    viewer = join(bob, workspace_of(alice), "viewer")
    with pytest.raises(RoleTooLow) as refusal:
        create_post(viewer, text="Not mine to write", account_ids=[account.pk])
    assert refusal.value.code == "role_too_low"
    assert refusal.value.details == {"role": "viewer", "needed": "contributor", "action": "draft"}
    assert not Post.objects.exists()


def test_a_contributor_writes_drafts_as_their_author_but_may_not_take_posts_out_of_the_queue(
    alice: User, bob: User
) -> None:
    account = create_account(alice)
    scheduled = create_scheduled_post(alice, [account], text="Alice's launch")
    contributor = join(bob, workspace_of(alice), "contributor")

    draft = create_post(contributor, text="Bob's idea", account_ids=[account.pk])
    update_post(contributor, draft.pk, text="Bob's better idea")
    copy = duplicate_post(contributor, scheduled.pk).post

    draft.refresh_from_db()
    assert (draft.workspace_id, draft.author_id, draft.text) == (workspace_of(alice).pk, bob.pk, "Bob's better idea")
    assert (copy.workspace_id, copy.author_id) == (workspace_of(alice).pk, bob.pk)
    refused = [
        lambda: cancel_post(contributor, scheduled.pk),
        lambda: delete_post(contributor, scheduled.pk),
        lambda: unschedule_post(contributor, scheduled.pk),
        lambda: reschedule_post(contributor, scheduled.pk, at=later(2)),
        lambda: update_post(contributor, scheduled.pk, text="Rewritten in the queue"),
        lambda: delete_posts(contributor, [scheduled.pk, draft.pk]),
    ]
    for attempt in refused:
        with pytest.raises(RoleTooLow, match=r"\(Contributor\) cannot schedule or publish posts"):
            attempt()
    target = scheduled.targets.get()
    assert (target.status, target.scheduled_at, target.post.text) == (
        TargetStatus.SCHEDULED,
        scheduled.scheduled_at,
        "Alice's launch",
    )
    assert Post.objects.filter(pk=draft.pk).exists()
    assert pending_in(alice) == 1
    assert available_credits(workspace_of(alice)) == 9


def test_a_contributor_may_not_retry_or_settle_a_send(alice: User, bob: User) -> None:
    account = create_account(alice)
    failed = bring_to(create_scheduled_post(alice, [account], days=1).targets.get(), TargetStatus.FAILED)
    unsure = bring_to(create_scheduled_post(alice, [account], days=2).targets.get(), TargetStatus.UNCONFIRMED)
    contributor = join(bob, workspace_of(alice), "contributor")

    for attempt in (
        lambda: retry_target(contributor, failed.pk),
        lambda: mark_went_out(contributor, unsure.pk),
        lambda: mark_did_not_go_out(contributor, unsure.pk),
        lambda: check_unconfirmed(unsure.pk, actor=contributor),
    ):
        with pytest.raises(RoleTooLow):
            attempt()
    statuses = dict(PostTarget.objects.values_list("pk", "status"))
    assert statuses == {failed.pk: TargetStatus.FAILED, unsure.pk: TargetStatus.UNCONFIRMED}
    assert CreditReservation.objects.get(target=unsure).status == ReservationStatus.PENDING
    assert pending_in(alice) == 1


def test_an_editor_schedules_and_takes_out_of_the_queue_paying_from_the_workspace(alice: User, bob: User) -> None:
    account = create_account(alice)
    editor = join(bob, workspace_of(alice), "editor")
    bobs_own_credits = available_credits(workspace_of(bob))

    post = create_post(editor, text="Team post", account_ids=[account.pk])
    schedule_post(editor, post.pk, at=later(1))
    assert pending_in(alice) == 1
    assert available_credits(workspace_of(alice)) == 9
    moved_to = later(2)
    reschedule_post(editor, post.pk, at=moved_to)
    assert post.targets.get().scheduled_at == moved_to
    assert unschedule_post(editor, post.pk) == 1
    schedule_post(editor, post.pk, at=later(3))
    assert cancel_post(editor, post.pk) == 1
    failed = bring_to(create_scheduled_post(alice, [account], days=4).targets.get(), TargetStatus.FAILED)
    assert retry_target(editor, failed.pk, at=later(5)).status == TargetStatus.SCHEDULED
    delete_post(editor, post.pk)

    assert not Post.objects.filter(pk=post.pk).exists()
    assert pending_in(alice) == 1
    assert available_credits(workspace_of(alice)) == 9
    # Nothing of it touched the editor's own workspace.
    assert available_credits(workspace_of(bob)) == bobs_own_credits
    assert not CreditReservation.objects.filter(workspace=workspace_of(bob)).exists()


def test_a_member_of_another_workspace_finds_none_of_its_posts(alice: User, bob: User) -> None:
    post = create_scheduled_post(alice, [create_account(alice)])
    target = post.targets.get()
    stranger = owner(bob)

    for attempt in (
        lambda: cancel_post(stranger, post.pk),
        lambda: delete_post(stranger, post.pk),
        lambda: update_post(stranger, post.pk, text="Not yours"),
        lambda: duplicate_post(stranger, post.pk),
        lambda: retry_target(stranger, target.pk),
        lambda: check_unconfirmed(target.pk, actor=stranger),
    ):
        with pytest.raises(NotFound):
            attempt()
    with pytest.raises(NotFound):
        acting_as(bob, workspace_of(alice).pk)
    assert delete_posts(stranger, [post.pk])[0].reason == "No such post."
    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.SCHEDULED
    assert pending_in(alice) == 1


def test_a_post_that_failed_tells_the_schedulers_and_its_author_but_not_a_viewer(alice: User, bob: User) -> None:
    account = create_account(alice)
    carol, dave = make_user("carol", Tier.BUSINESS), make_user("dave", Tier.FREE)
    editor = join(bob, workspace_of(alice), "editor")
    join(carol, workspace_of(alice), "viewer")
    contributor = join(dave, workspace_of(alice), "contributor")
    written = create_post(contributor, text="Dave's words", account_ids=[account.pk])
    schedule_post(editor, written.pk, at=later(1))

    bring_to(written.targets.get(), TargetStatus.FAILED)

    told = Notification.objects.filter(type=NotificationType.POST_FAILED, workspace=workspace_of(alice))
    assert sorted(told.values_list("user__username", flat=True)) == ["alice", "bob", "dave"]
    assert {n.dedupe_key.split(":", 1)[0] for n in told} == {str(workspace_of(alice).pk)}
