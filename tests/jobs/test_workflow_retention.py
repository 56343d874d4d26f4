"""The nightly cleanup deletes finished workflows older than the retention period and keeps newer ones."""

from datetime import timedelta

import pytest
from dbos import DBOS
from django.utils import timezone

from tests.conftest import make_user
from tests.support.workspaces import workspace_of
from tidings.jobs.events import send
from tidings.jobs.models import JobLog
from tidings.tiers.plans import Tier

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


def run_cleanup_in(days_from: int, days_to: int) -> int:
    now = timezone.now()
    handles = DBOS.backfill_schedule(
        "cleanup-finished-workflows", now + timedelta(days=days_from), now + timedelta(days=days_to)
    )
    for handle in handles:
        handle.get_result()
    return len(handles)


def test_old_finished_workflows_are_deleted_and_recent_ones_kept(settings: object) -> None:
    alice = make_user("alice", Tier.FREE)
    workflow_id = send("credits/check.low", {"workspace_id": workspace_of(alice).pk})
    DBOS.retrieve_workflow(workflow_id).get_result()

    # The retention is 14 days: a run 12-13 days from now cuts off before this workflow finished.
    assert run_cleanup_in(12, 13) == 1
    assert DBOS.get_workflow_status(workflow_id) is not None

    assert run_cleanup_in(15, 16) == 1
    assert DBOS.get_workflow_status(workflow_id) is None
    # Our own job log is history and stays.
    assert JobLog.objects.filter(workflow_id=workflow_id, status="completed").exists()
