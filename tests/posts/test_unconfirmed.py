"""The way out of unconfirmed: the user marks it, or the platform is asked; the credit follows the answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post
from tests.support.states import bring_to
from tests.support.unconfirmed import reservation
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.credits.services import ledger_balance
from tidings.platforms.base import Published, TransientError
from tidings.platforms.models import Platform
from tidings.posts.models import AttemptOutcome, PostTarget, PublishAttempt, TargetStatus
from tidings.posts.retry import retry_target
from tidings.posts.services import delete_post
from tidings.posts.unconfirmed import (
    RECHECK_FOR,
    check_unconfirmed,
    mark_did_not_go_out,
    mark_went_out,
    unconfirmed_to_check,
)
from tidings.usage.models import Metric
from tidings.usage.services import local_day, usage_on

pytestmark = pytest.mark.django_db


def test_it_went_out_spends_the_credit_counts_the_day_and_keeps_the_link(bob: User, unconfirmed: PostTarget) -> None:
    marked = mark_went_out(owner(bob), unconfirmed.pk, url=" https://hooks.example/posts/7 ")

    assert (marked.status, marked.external_url, marked.sending_since) == (
        TargetStatus.PUBLISHED,
        "https://hooks.example/posts/7",
        None,
    )
    assert marked.published_at == unconfirmed.sending_since
    assert reservation(marked) == ReservationStatus.CONSUMED
    assert workspace_of(bob).credits == ledger_balance(workspace_of(bob)) == 499 == available_credits(workspace_of(bob))
    assert (
        usage_on(workspace_of(bob), metric=Metric.POSTS, day=local_day(workspace_of(bob)), platform=Platform.WEBHOOK)
        == 1
    )
    with pytest.raises(Conflict, match="Only a post whose outcome is unknown"):
        mark_went_out(owner(bob), unconfirmed.pk)


def test_a_link_that_is_not_a_web_address_is_refused_and_nothing_changes(bob: User, unconfirmed: PostTarget) -> None:
    with pytest.raises(InvalidInput) as refusal:
        mark_went_out(owner(bob), unconfirmed.pk, url="javascript:alert(1)")
    assert refusal.value.details == {"field": "url"}
    assert PostTarget.objects.get(pk=unconfirmed.pk).status == TargetStatus.UNCONFIRMED
    assert reservation(unconfirmed) == ReservationStatus.PENDING


def test_it_did_not_go_out_returns_the_credit_and_allows_a_retry(bob: User, unconfirmed: PostTarget) -> None:
    marked = mark_did_not_go_out(owner(bob), unconfirmed.pk)

    assert (marked.status, marked.sending_since) == (TargetStatus.FAILED, None)
    assert "credit was returned" in marked.error
    assert reservation(marked) == ReservationStatus.RELEASED
    assert available_credits(workspace_of(bob)) == workspace_of(bob).credits == 500
    retried = retry_target(owner(bob), unconfirmed.pk)
    assert (retried.status, retried.dispatch_round) == (TargetStatus.SCHEDULED, 1)
    assert CreditReservation.objects.filter(target=retried, status=ReservationStatus.PENDING).count() == 1


def test_another_users_target_is_not_found(alice: User, unconfirmed: PostTarget) -> None:
    for mark in (mark_went_out, mark_did_not_go_out):
        with pytest.raises(NotFound):
            mark(owner(alice), unconfirmed.pk)
    with pytest.raises(NotFound):
        check_unconfirmed(unconfirmed.pk, actor=owner(alice))
    assert PostTarget.objects.get(pk=unconfirmed.pk).status == TargetStatus.UNCONFIRMED


def test_an_unconfirmed_post_cannot_be_deleted_until_it_is_resolved(bob: User, unconfirmed: PostTarget) -> None:
    with pytest.raises(Conflict, match="Mark whether it went out"):
        delete_post(owner(bob), unconfirmed.post_id)
    assert reservation(unconfirmed) == ReservationStatus.PENDING
    mark_did_not_go_out(owner(bob), unconfirmed.pk)
    delete_post(owner(bob), unconfirmed.post_id)
    assert CreditReservation.objects.get(workspace=workspace_of(bob)).status == ReservationStatus.RELEASED


def test_a_platform_that_cannot_be_asked_leaves_it_to_the_user(bob: User, unconfirmed: PostTarget) -> None:
    assert check_unconfirmed(unconfirmed.pk, actor=owner(bob)) == "unknown"
    assert PostTarget.objects.get(pk=unconfirmed.pk).status == TargetStatus.UNCONFIRMED


def test_a_post_the_platform_has_is_published(bob: User, unconfirmed: PostTarget, askable: type) -> None:
    askable.lookups = [Published("found-9", "https://hooks.example/found-9")]

    assert check_unconfirmed(unconfirmed.pk, actor=owner(bob)) == "published"

    target = PostTarget.objects.get(pk=unconfirmed.pk)
    assert (target.status, target.external_id, target.external_url) == (
        TargetStatus.PUBLISHED,
        "found-9",
        "https://hooks.example/found-9",
    )
    assert reservation(target) == ReservationStatus.CONSUMED
    assert list(target.attempt_history.values_list("outcome", flat=True)) == [AttemptOutcome.FOUND]
    assert askable.sends == 0


def test_a_post_the_platform_lacks_fails_and_returns_its_credit(
    bob: User, unconfirmed: PostTarget, askable: type
) -> None:
    askable.lookups = [None]

    assert check_unconfirmed(unconfirmed.pk) == "not_published"

    target = PostTarget.objects.get(pk=unconfirmed.pk)
    assert (target.status, target.sending_since) == (TargetStatus.FAILED, None)
    assert reservation(target) == ReservationStatus.RELEASED
    assert askable.sends == 0


def test_a_failed_lookup_keeps_it_unconfirmed_with_the_evidence(
    bob: User, unconfirmed: PostTarget, askable: type
) -> None:
    askable.lookups = [TransientError("The platform is busy.")]

    assert check_unconfirmed(unconfirmed.pk) == "unknown"

    target = PostTarget.objects.get(pk=unconfirmed.pk)
    assert target.status == TargetStatus.UNCONFIRMED
    assert reservation(target) == ReservationStatus.PENDING
    attempt = PublishAttempt.objects.get(target=target)
    assert (attempt.outcome, attempt.detail, attempt.number) == ("transient", "The platform is busy.", 1)


def test_recent_sends_in_doubt_on_platforms_that_can_be_asked_are_rechecked(
    bob: User, unconfirmed: PostTarget, askable: type
) -> None:
    linkedin = create_account(bob, Platform.LINKEDIN)
    other = bring_to(create_scheduled_post(bob, [linkedin], days=1).targets.get(), TargetStatus.UNCONFIRMED)
    assert other.status == TargetStatus.UNCONFIRMED
    assert unconfirmed_to_check() == [unconfirmed.pk]  # LinkedIn gives this app no way to read posts back
    later = timezone.now() + RECHECK_FOR + timedelta(minutes=1)
    assert unconfirmed_to_check(now=later) == []
