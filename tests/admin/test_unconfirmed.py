"""Staff settle an unconfirmed target by action ("it went out", "it did not go out") through the same services as
the user; a target's page lists every call made to the platform for it, read-only."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from tests.admin.conftest import ended_target, run_action
from tests.conftest import create_account
from tests.support.unconfirmed import available, reservation
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.credits.models import ReservationStatus
from tidings.platforms.models import Platform
from tidings.posts.models import AttemptOutcome, PostTarget, PublishAttempt, TargetStatus

pytestmark = pytest.mark.django_db
TARGETS = "/admin/posts/posttarget/"


def shown(client: Client) -> list[str]:
    return [str(m) for m in client.get(TARGETS).context["messages"]]


@pytest.fixture
def unconfirmed(alice: User) -> PostTarget:
    return ended_target(alice, create_account(alice, Platform.WEBHOOK), TargetStatus.UNCONFIRMED)


def test_it_went_out_publishes_it_and_spends_the_credit(
    staff_client: Client, alice: User, unconfirmed: PostTarget
) -> None:
    assert available(alice) == 9

    response = run_action(staff_client, TARGETS, "went_out_action", [unconfirmed.pk])

    assert response.status_code == 302
    target = PostTarget.objects.get(pk=unconfirmed.pk)
    assert (target.status, target.sending_since, target.error) == (TargetStatus.PUBLISHED, None, "")
    assert reservation(target) == ReservationStatus.CONSUMED
    assert available(alice) == 9
    assert workspace_of(alice).credits == 9
    assert shown(staff_client) == [
        f"Target {target.pk} (webhook, unconfirmed): marked as published; its credit is spent."
    ]


def test_it_did_not_go_out_fails_it_and_releases_the_credit(
    staff_client: Client, alice: User, unconfirmed: PostTarget
) -> None:
    run_action(staff_client, TARGETS, "did_not_go_out_action", [unconfirmed.pk])

    target = PostTarget.objects.get(pk=unconfirmed.pk)
    assert (target.status, target.sending_since) == (TargetStatus.FAILED, None)
    assert reservation(target) == ReservationStatus.RELEASED
    assert available(alice) == 10
    assert shown(staff_client) == [
        f"Target {target.pk} (webhook, unconfirmed): marked as not published; its credit is released and it can "
        "be sent again."
    ]
    # And now it can be sent again.
    run_action(staff_client, TARGETS, "retry_action", [target.pk])
    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.SCHEDULED


@pytest.mark.parametrize("action", ["went_out_action", "did_not_go_out_action"])
def test_a_target_that_is_not_unconfirmed_is_refused_and_unchanged(
    staff_client: Client, alice: User, action: str
) -> None:
    target = ended_target(alice, create_account(alice, Platform.WEBHOOK), TargetStatus.FAILED)
    before = PostTarget.objects.get(pk=target.pk)

    run_action(staff_client, TARGETS, action, [target.pk])

    after = PostTarget.objects.get(pk=target.pk)
    assert (after.status, after.error, after.external_url) == (TargetStatus.FAILED, before.error, "")
    assert reservation(target) == ReservationStatus.RELEASED
    assert available(alice) == 10
    assert shown(staff_client) == [
        f"Target {target.pk} (webhook, failed): Only a post whose outcome is unknown can be marked; this one is Failed."
    ]


def test_a_mixed_selection_settles_the_unconfirmed_and_reports_the_rest(
    staff_client: Client, alice: User, unconfirmed: PostTarget
) -> None:
    queued = ended_target(alice, create_account(alice, Platform.MASTODON), TargetStatus.QUEUED)

    run_action(staff_client, TARGETS, "did_not_go_out_action", [unconfirmed.pk, queued.pk])

    assert PostTarget.objects.get(pk=unconfirmed.pk).status == TargetStatus.FAILED
    assert PostTarget.objects.get(pk=queued.pk).status == TargetStatus.QUEUED
    assert reservation(queued) == ReservationStatus.PENDING
    assert len(shown(staff_client)) == 2


def test_an_unconfirmed_target_is_no_longer_offered_a_retry(staff_client: Client, unconfirmed: PostTarget) -> None:
    page = staff_client.get(TARGETS).content.decode()
    assert "Send again (failed or skipped; reserves a credit)" in page
    assert "Mark: it went out (unconfirmed; its credit is spent)" in page
    assert "Mark: it did not go out (unconfirmed; its credit is released)" in page


def test_the_target_page_lists_its_calls_to_the_platform_read_only(
    staff_client: Client, unconfirmed: PostTarget
) -> None:
    PublishAttempt.objects.create(
        target=unconfirmed,
        number=1,
        started_at=datetime(2025, 12, 31, 23, 30, 5, tzinfo=UTC),
        duration_ms=30012,
        outcome=AttemptOutcome.UNKNOWN,
        detail="The request timed out.",
    )

    page = staff_client.get(f"{TARGETS}{unconfirmed.pk}/change/").content.decode()

    assert 'id="attempt_history-group"' in page
    cells = {
        name: re.search(rf'<td class="field-{name}">\s*<p>(.*?)</p>', page, re.S)
        for name in ("number", "started_at", "duration_ms", "outcome", "detail")
    }
    assert {name: cell.group(1) if cell else None for name, cell in cells.items()} == {
        "number": "1",
        "started_at": "Dec. 31, 2025, 11:30 p.m.",
        "duration_ms": "30012",
        "outcome": "No answer",
        "detail": "The request timed out.",
    }
    assert 'name="attempt_history-0-detail"' not in page
    assert 'name="attempt_history-0-DELETE"' not in page
    assert 'name="attempt_history-MAX_NUM_FORMS" value="0"' in page
