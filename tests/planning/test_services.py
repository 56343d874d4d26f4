"""Setting the schedule and adding to the queue: who may, in which workspace, and that a post goes into its slot
through scheduling (credits reserved, proposals for approval, refusals kept on the draft)."""

from collections.abc import Iterator
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.db.models import F

from tests.conftest import create_account, make_user
from tests.planning.conftest import draft, give_slots
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import InvalidInput, NotFound
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.planning.errors import NoFreeSlot
from tidings.planning.models import PostingSlot
from tidings.planning.services import add_slot, add_to_queue, remove_slot, set_slots
from tidings.posts.models import Post, TargetStatus
from tidings.tiers.plans import Tier
from tidings.tiers.services import TierLimitReached
from tidings.workspaces.roles import Role, RoleTooLow

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday, 08:00 UTC


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(START, tick=False):
        yield


@pytest.fixture
def uma(db: None) -> User:
    return make_user("uma", Tier.PRO, time_zone="UTC")


def slots_of(user: User) -> list[tuple[int | None, int, str]]:
    rows = PostingSlot.objects.filter(workspace=workspace_of(user)).order_by(
        F("account_id").asc(nulls_first=True), "weekday", "time"
    )
    return [(s.account_id, s.weekday, f"{s.time:%H:%M}") for s in rows]


def test_setting_a_schedule_replaces_that_schedule_only(uma: User) -> None:
    account = create_account(uma)
    give_slots(uma, "09:00", days=range(2))
    give_slots(uma, "18:00", account=account, days=range(1))
    set_slots(owner(uma), account_id=None, slots=[(4, time(10, 15, 30))])
    assert slots_of(uma) == [(None, 4, "10:15"), (account.pk, 0, "18:00")]
    add_slot(owner(uma), account_id=None, weekday=4, at=time(10, 15))  # there already: unchanged
    remove_slot(owner(uma), PostingSlot.objects.get(account=account).pk)
    assert slots_of(uma) == [(None, 4, "10:15")]


def test_a_weekday_outside_the_week_is_refused(uma: User) -> None:
    with pytest.raises(InvalidInput, match="day of the week"):
        set_slots(owner(uma), account_id=None, slots=[(7, time(9))])
    assert slots_of(uma) == []


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRIBUTOR])
def test_below_editor_the_schedule_is_read_only(uma: User, role: Role) -> None:
    give_slots(uma, "09:00", days=range(1))
    member = join(make_user("vic", Tier.FREE), workspace_of(uma), role)
    slot = PostingSlot.objects.get()
    with pytest.raises(RoleTooLow):
        set_slots(member, account_id=None, slots=[])
    with pytest.raises(RoleTooLow):
        add_slot(member, account_id=None, weekday=1, at=time(9))
    with pytest.raises(RoleTooLow):
        remove_slot(member, slot.pk)
    assert slots_of(uma) == [(None, 0, "09:00")]


def test_an_editor_sets_the_schedule(uma: User) -> None:
    editor = join(make_user("vic", Tier.FREE), workspace_of(uma), Role.EDITOR)
    set_slots(editor, account_id=None, slots=[(0, time(9))])
    assert slots_of(uma) == [(None, 0, "09:00")]


def test_another_workspaces_account_or_slot_is_absent(uma: User) -> None:
    other = make_user("wes", Tier.PRO)
    theirs = create_account(other)
    give_slots(other, "07:00", days=range(1))
    with pytest.raises(NotFound):
        set_slots(owner(uma), account_id=theirs.pk, slots=[(0, time(9))])
    with pytest.raises(NotFound):
        remove_slot(owner(uma), PostingSlot.objects.get().pk)
    assert slots_of(uma) == []
    assert slots_of(other) == [(None, 0, "07:00")]


def test_adding_to_the_queue_schedules_at_the_slot_and_reserves(uma: User) -> None:
    account = create_account(uma)
    give_slots(uma, "09:00")
    post = add_to_queue(owner(uma), draft(uma, [account]).pk)
    post.refresh_from_db()
    assert (post.scheduled_at, post.queued_in_slot) == (datetime(2027, 1, 4, 9, 0, tzinfo=UTC), True)
    target = post.targets.get()
    assert (target.status, target.scheduled_at) == (TargetStatus.SCHEDULED, post.scheduled_at)
    assert CreditReservation.objects.filter(target=target, status=ReservationStatus.PENDING).count() == 1


def test_a_contributors_post_is_proposed_for_its_slot(uma: User) -> None:
    account = create_account(uma)
    give_slots(uma, "09:00")
    contributor = join(make_user("vic", Tier.FREE), workspace_of(uma), Role.CONTRIBUTOR)
    post = add_to_queue(contributor, draft(uma, [account]).pk)
    target = post.targets.get()
    assert (target.status, target.scheduled_at) == (TargetStatus.AWAITING_APPROVAL, START.replace(hour=9))
    assert CreditReservation.objects.filter(target=target, status=ReservationStatus.PENDING).count() == 1


def test_a_viewer_cannot_add_to_the_queue(uma: User) -> None:
    account = create_account(uma)
    give_slots(uma, "09:00")
    post = draft(uma, [account])
    viewer = join(make_user("vic", Tier.FREE), workspace_of(uma), Role.VIEWER)
    with pytest.raises(RoleTooLow):
        add_to_queue(viewer, post.pk)
    post.refresh_from_db()
    assert (post.scheduled_at, post.draft_reason, post.queued_in_slot) == (None, "", False)
    assert post.targets.get().status == TargetStatus.DRAFT


def test_a_refusal_keeps_the_draft_with_the_reason(uma: User) -> None:
    account = create_account(uma)
    post = draft(uma, [account])
    with pytest.raises(NoFreeSlot):
        add_to_queue(owner(uma), post.pk)
    post.refresh_from_db()
    assert post.draft_reason == f"{account} has no posting slots yet. Set a posting schedule to add posts to the queue."
    assert (post.scheduled_at, post.queued_in_slot, post.targets.get().status) == (None, False, TargetStatus.DRAFT)
    assert not CreditReservation.objects.exists()


def test_a_full_queue_refuses_and_reserves_nothing(uma: User) -> None:
    account = create_account(uma)
    give_slots(uma, "09:00")
    uma_ws = workspace_of(uma)
    uma_ws.tier_limits = {"queue_size": 1}
    uma_ws.save(update_fields=["tier_limits"])
    add_to_queue(owner(uma), draft(uma, [account]).pk)
    post = draft(uma, [account])
    with pytest.raises(TierLimitReached, match="queue of scheduled posts is full"):
        add_to_queue(owner(uma), post.pk)
    post.refresh_from_db()
    assert post.draft_reason == "Your queue of scheduled posts is full: 1 of 1 used on the Pro plan."
    assert (post.scheduled_at, post.targets.get().status) == (None, TargetStatus.DRAFT)
    assert CreditReservation.objects.count() == 1


def test_another_workspaces_post_is_absent(uma: User) -> None:
    other = make_user("wes", Tier.PRO)
    give_slots(other, "09:00")
    theirs = draft(other, [create_account(other)])
    with pytest.raises(NotFound):
        add_to_queue(owner(uma), theirs.pk)
    assert Post.objects.get(pk=theirs.pk).scheduled_at is None
