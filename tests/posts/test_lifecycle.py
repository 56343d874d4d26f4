"""The lifecycle table, `move_targets`, and the suite's guard against any other status write."""

import pytest
from django.db import transaction

from tests.conftest import create_account, create_scheduled_post
from tests.support import status_guard
from tests.support.states import bring_to
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.credits.services import ledger_balance, lock_workspace
from tidings.posts.lifecycle import HOLDS_CREDIT, TRANSITIONS, move_targets, sources_of
from tidings.posts.models import PostTarget, TargetStatus

pytestmark = pytest.mark.django_db


def test_every_state_is_declared_and_only_declared_states_are_reached() -> None:
    assert set(TRANSITIONS) == set(TargetStatus.values)
    assert all(set(targets) <= set(TargetStatus.values) for targets in TRANSITIONS.values())
    assert TRANSITIONS[TargetStatus.PUBLISHED] == frozenset()
    assert sources_of(TargetStatus.PUBLISHED) == {TargetStatus.PUBLISHING, TargetStatus.UNCONFIRMED}
    # An unconfirmed send is never sent again directly: it is resolved first.
    assert TargetStatus.SCHEDULED not in TRANSITIONS[TargetStatus.UNCONFIRMED]
    # A post waiting for approval holds its credit too, so an approved post cannot then fail for want of one.
    assert {
        TargetStatus.AWAITING_APPROVAL,
        TargetStatus.SCHEDULED,
        TargetStatus.QUEUED,
        TargetStatus.PUBLISHING,
        "unconfirmed",
    } == HOLDS_CREDIT


def test_a_move_from_an_undeclared_state_is_refused(bob: User) -> None:
    target = create_scheduled_post(bob, [create_account(bob)]).targets.get()
    with pytest.raises(ValueError, match="Undeclared move"), transaction.atomic():
        move_targets(
            lock_workspace(workspace_of(bob).pk),
            [target.pk],
            to=TargetStatus.PUBLISHED,
            only_from=(TargetStatus.SCHEDULED,),
        )
    target.refresh_from_db()
    assert target.status == TargetStatus.SCHEDULED


def test_a_move_that_settles_credits_needs_the_owners_lock(bob: User) -> None:
    target = create_scheduled_post(bob, [create_account(bob)]).targets.get()
    with pytest.raises(RuntimeError, match="needs their owner's lock"), transaction.atomic():
        move_targets(None, [target.pk], to=TargetStatus.CANCELLED)
    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.SCHEDULED


def test_leaving_a_credit_holding_state_settles_and_entering_one_reserves(bob: User) -> None:
    target = create_scheduled_post(bob, [create_account(bob)]).targets.get()
    failed = bring_to(target, TargetStatus.FAILED)
    assert CreditReservation.objects.get(target=failed).status == ReservationStatus.RELEASED
    with transaction.atomic():
        moved = move_targets(lock_workspace(workspace_of(bob).pk), [target.pk], to=TargetStatus.SCHEDULED)
    assert [(m.target_id, m.from_status) for m in moved] == [(target.pk, TargetStatus.FAILED)]
    held = CreditReservation.objects.get(target=target, status=ReservationStatus.PENDING)
    assert bring_to(target, TargetStatus.PUBLISHED).status == TargetStatus.PUBLISHED
    held.refresh_from_db()
    assert held.status == ReservationStatus.CONSUMED
    assert workspace_of(bob).credits == ledger_balance(workspace_of(bob)) == 499 == available_credits(workspace_of(bob))
    assert CreditLedgerEntry.objects.filter(workspace=workspace_of(bob), kind=LedgerKind.CONSUME).count() == 1


def test_a_target_not_in_a_source_state_does_not_move_and_settles_nothing(bob: User) -> None:
    target = bring_to(create_scheduled_post(bob, [create_account(bob)]).targets.get(), TargetStatus.PUBLISHED)
    with transaction.atomic():
        assert move_targets(lock_workspace(workspace_of(bob).pk), [target.pk], to=TargetStatus.CANCELLED) == []
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED


def test_the_guard_catches_a_status_write_by_product_code(bob: User) -> None:
    target = create_scheduled_post(bob, [create_account(bob)]).targets.get()
    # Code compiled as if it lived in the product: the guard must see it as the product's write.
    product_file = f"{status_guard.SRC}/posts/rogue.py"
    code = compile("PostTarget.objects.filter(pk=pk).update(status='failed')", product_file, "exec")
    exec(code, {"PostTarget": PostTarget, "pk": target.pk})  # noqa: S102
    found, status_guard.violations[:] = list(status_guard.violations), []
    assert len(found) == 1
    assert found[0].startswith(f"{product_file}:1 in <module>")
    code = compile("PostTarget.objects.filter(pk=pk).update(error='only the error')", product_file, "exec")
    exec(code, {"PostTarget": PostTarget, "pk": target.pk})  # noqa: S102
    assert status_guard.violations == []


def test_a_published_link_that_is_not_a_web_address_is_not_kept(bob: User) -> None:
    target = bring_to(create_scheduled_post(bob, [create_account(bob)]).targets.get(), TargetStatus.PUBLISHING)
    from tidings.posts.publishing import complete_publish

    assert complete_publish(target.pk, external_id="1", url="javascript:alert(document.cookie)") is True
    target.refresh_from_db()
    assert (target.status, target.external_url, target.safe_external_url) == (TargetStatus.PUBLISHED, "", "")
