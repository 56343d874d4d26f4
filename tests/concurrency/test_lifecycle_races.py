"""Races between the user and the publishing worker, with the real interleaving on PostgreSQL: one transaction is
held open at the point that matters while the other runs into it, then the first commits.

A credit must follow its post whichever side wins: only a target that actually moved settles its credit, and a
pending reservation never loses its target.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.workspaces import owner, workspace_of
from tidings.core.errors import Conflict
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.credits.services import ledger_balance
from tidings.posts import publishing
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import cancel_post, delete_post, unschedule_post
from tidings.tiers.plans import Tier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def wait_until_blocked_on_a_lock(timeout: float = 20) -> None:
    """Until another backend of this database waits for a lock (the second transaction has run into the first)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second transaction never waited for the first")


@contextmanager
def held_open(step: Callable[[], Any]) -> Iterator[dict[str, Any]]:
    """Run `step` in a transaction on another connection and keep it open until the block ends."""
    ran, finish, result = threading.Event(), threading.Event(), {}

    def hold() -> None:
        try:
            with transaction.atomic():
                result["value"] = step()
                ran.set()
                finish.wait(timeout=30)
        finally:
            ran.set()
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert ran.wait(timeout=30)
    try:
        yield result
    finally:
        finish.set()
        thread.join(timeout=30)


def in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except Exception as error:
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def due_target(user_tier: Tier = Tier.PRO) -> tuple[Post, PostTarget]:
    user = make_user("bob", user_tier)
    post = create_scheduled_post(user, [create_account(user)], minutes=5)
    # Due now (the time is data, not a status: test code may move it).
    PostTarget.objects.filter(post=post).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    return post, post.targets.get()


def test_unschedule_waiting_on_the_dispatchers_claim_gives_back_no_credit() -> None:
    post, target = due_target()
    user = post.author
    assert user is not None
    actor = owner(user)

    with held_open(lambda: publishing.claim_due_targets()) as claim:
        thread, outcome = in_thread(lambda: unschedule_post(actor, post.pk))
        wait_until_blocked_on_a_lock()
    thread.join(timeout=30)

    assert [row[0] for row in claim["value"]] == [target.pk]
    assert isinstance(outcome.get("error"), Conflict)
    target.refresh_from_db()
    assert target.status == TargetStatus.QUEUED
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.PENDING
    assert (
        available_credits(workspace_of(user))
        == workspace_of(user).credits - 1
        == ledger_balance(workspace_of(user)) - 1
    )


def test_the_claim_skips_a_target_that_an_unschedule_holds_and_never_queues_it() -> None:
    post, target = due_target()
    user = post.author
    assert user is not None
    actor = owner(user)

    with held_open(lambda: unschedule_post(actor, post.pk)):
        claimed = publishing.claim_due_targets()
    assert claimed == []
    target.refresh_from_db()
    assert target.status == TargetStatus.DRAFT
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.RELEASED
    assert (
        available_credits(workspace_of(user)) == workspace_of(user).credits == ledger_balance(workspace_of(user)) == 500
    )


def test_cancel_waiting_on_a_begun_publish_leaves_the_publish_and_its_credit_alone() -> None:
    post, target = due_target()
    user = post.author
    assert user is not None
    actor = owner(user)
    publishing.claim_due_targets()

    with held_open(lambda: publishing.begin_publish(target.pk)):
        thread, outcome = in_thread(lambda: cancel_post(actor, post.pk))
        wait_until_blocked_on_a_lock()
    thread.join(timeout=30)

    assert isinstance(outcome.get("error"), Conflict)
    target.refresh_from_db()
    assert target.status == TargetStatus.PUBLISHING
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.PENDING


def test_delete_waiting_on_a_begun_publish_is_refused_and_the_credit_keeps_its_target() -> None:
    post, target = due_target()
    user = post.author
    assert user is not None
    actor = owner(user)
    publishing.claim_due_targets()

    with held_open(lambda: publishing.begin_publish(target.pk)):
        thread, outcome = in_thread(lambda: delete_post(actor, post.pk))
        wait_until_blocked_on_a_lock()
    thread.join(timeout=30)

    assert isinstance(outcome.get("error"), Conflict)
    assert Post.objects.filter(pk=post.pk).exists()
    reservation = CreditReservation.objects.get(workspace=workspace_of(user))
    assert (reservation.status, reservation.target_id) == (ReservationStatus.PENDING, target.pk)
    assert publishing.complete_publish(target.pk, external_id="1") is True
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONSUMED


def test_a_queued_post_deleted_before_its_publish_begins_is_released_and_the_publish_does_nothing() -> None:
    post, target = due_target()
    user = post.author
    assert user is not None
    actor = owner(user)
    publishing.claim_due_targets()

    delete_post(actor, post.pk)
    begin = publishing.begin_publish(target.pk)

    assert begin.action == "done"
    reservation = CreditReservation.objects.get(workspace=workspace_of(user))
    assert (reservation.status, reservation.target_id) == (ReservationStatus.RELEASED, None)
    assert (
        available_credits(workspace_of(user)) == workspace_of(user).credits == ledger_balance(workspace_of(user)) == 500
    )
