"""Endings nobody planned: a workflow cancelled or lost mid-way, a refused sign-in after an unanswered send, an
executor that never comes back. A send in doubt always ends unconfirmed; nothing holds a credit forever."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from dbos import DBOS, EnqueueOptions
from django.db import connection
from django.utils import timezone

from tests.conftest import create_scheduled_post
from tests.jobs.conftest import connect_webhook, due_post, settled, wait_for
from tests.support.fake_platform import FakePlatform
from tests.support.states import bring_to
from tests.support.unconfirmed import LookupConnector
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.jobs import runtime
from tidings.jobs.workflows.publish import EVENT, check_unconfirmed_sends
from tidings.platforms.base import Capabilities, Content, Published, ReauthRequired
from tidings.platforms.connectors.webhook import WebhookConnector
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.platforms.registry import CONNECTORS
from tidings.posts.models import AttemptOutcome, Post, PostTarget, TargetStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


def target_of(post: Post) -> PostTarget:
    return PostTarget.objects.get(post=post)


def expire_lease(target: PostTarget) -> None:
    PostTarget.objects.filter(pk=target.pk).update(locked_until=timezone.now() - timedelta(seconds=1))


def test_a_cancelled_workflow_with_a_send_in_doubt_ends_unconfirmed_holding_its_credit(
    bob: User, fake: FakePlatform
) -> None:
    # The first send gets no answer; the resend is told to wait, and the workflow is cancelled meanwhile.
    fake.retry_after = "3"
    fake.decide_fault = lambda key, attempt: "timeout" if attempt == 1 else "429"
    post = due_post(bob, [connect_webhook(bob, fake)])
    wait_for(
        lambda: target_of(post).attempt_history.filter(outcome=AttemptOutcome.RATE_LIMITED).exists(),
        what="the resend to be told to wait",
    )
    target = target_of(post)
    DBOS.cancel_workflow(target.workflow_id)
    expire_lease(target)

    wait_for(lambda: settled(post), what="the sweep to end the target")

    target = target_of(post)
    assert target.status == TargetStatus.UNCONFIRMED
    assert "ended without a result (cancelled)" in target.error
    assert "may have been published" in target.error
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.PENDING


def test_a_cancelled_workflow_with_nothing_in_doubt_fails_and_returns_the_credit(bob: User, fake: FakePlatform) -> None:
    fake.retry_after = "3"
    fake.decide_fault = lambda key, attempt: "429"
    post = due_post(bob, [connect_webhook(bob, fake)])
    wait_for(lambda: target_of(post).attempt_history.exists(), what="the first answer")
    target = target_of(post)
    DBOS.cancel_workflow(target.workflow_id)
    expire_lease(target)

    wait_for(lambda: settled(post), what="the sweep to end the target")

    target = target_of(post)
    assert target.status == TargetStatus.FAILED
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.RELEASED
    assert fake.posts == {}


class SignInRefusedOnLookup(WebhookConnector):
    """A platform that can be asked for a post, but refuses the saved sign-in when asked."""

    capabilities = Capabilities(can_find_published=True)

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: object
    ) -> Published | None:
        raise ReauthRequired("The platform refused the saved sign-in.")


def test_an_auth_refusal_after_an_unanswered_send_ends_unconfirmed(
    bob: User, fake: FakePlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(CONNECTORS, "webhook", SignInRefusedOnLookup())
    fake.decide_fault = lambda key, attempt: "timeout"
    post = due_post(bob, [connect_webhook(bob, fake)])

    wait_for(lambda: settled(post), what="the post to settle")

    target = target_of(post)
    assert target.status == TargetStatus.UNCONFIRMED
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.PENDING
    assert target.account.status == AccountStatus.RECONNECT_NEEDED
    assert fake.received_for(str(target.idempotency_key)) == 1


def _system_table() -> str:
    return "dbos.workflow_status" if connection.vendor == "postgresql" else "workflow_status"


def test_a_workflow_left_pending_by_an_executor_that_never_returns_is_resumed(bob: User, fake: FakePlatform) -> None:
    # As a renamed container leaves it: the target queued, its workflow PENDING under an executor id nobody runs.
    post = create_scheduled_post(bob, [connect_webhook(bob, fake)], days=2)
    target = bring_to(target_of(post), TargetStatus.QUEUED)
    options: EnqueueOptions = {
        "workflow_name": EVENT,
        "queue_name": "nobody-polls-this",
        "workflow_id": target.workflow_id,
        "app_version": runtime.APPLICATION_VERSION,
    }
    runtime.client().enqueue(options, target.pk)
    with runtime.system_database_writer().begin() as system:
        changed = system.execute(
            sa.text(
                f"UPDATE {_system_table()} SET status = 'PENDING', executor_id = 'gone-container' "  # noqa: S608
                "WHERE workflow_uuid = :id"
            ),
            {"id": target.workflow_id},
        )
        assert changed.rowcount == 1
    expire_lease(target)

    wait_for(lambda: settled(post), what="the abandoned workflow to be resumed")

    target = target_of(post)
    assert target.status == TargetStatus.PUBLISHED
    assert fake.received_for(str(target.idempotency_key)) == 1
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED


def test_the_recheck_cron_resolves_a_send_in_doubt_the_platform_can_be_asked_about(
    bob: User, fake: FakePlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(CONNECTORS, "webhook", LookupConnector())
    LookupConnector.lookups = [Published("found-3", "https://fake.example/p/found-3")]
    LookupConnector.sends = 0
    post = create_scheduled_post(bob, [connect_webhook(bob, fake)], days=2)
    target = bring_to(target_of(post), TargetStatus.UNCONFIRMED)

    handle = DBOS.start_workflow(check_unconfirmed_sends, timezone.now(), None)
    handle.get_result()

    target = target_of(post)
    assert (target.status, target.external_id) == (TargetStatus.PUBLISHED, "found-3")
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED
    assert LookupConnector.sends == 0
