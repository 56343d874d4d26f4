"""A run's job log says how it really ended, even when a step is replayed after a crash."""

import pytest

from tidings.jobs.models import JobLog, JobStatus
from tidings.jobs.workflows.publish import EVENT, _log

pytestmark = pytest.mark.django_db


def test_a_replayed_step_that_finds_nothing_to_do_never_turns_a_finished_log_into_cancelled() -> None:
    JobLog.objects.create(event=EVENT, workflow_id="publish-7", data={"target_id": 7})
    _log("publish-7", 7, JobStatus.RUNNING)
    _log("publish-7", 7, JobStatus.COMPLETED, outcome="published")

    _log("publish-7", 7, JobStatus.CANCELLED, outcome="nothing to do")

    log = JobLog.objects.get(workflow_id="publish-7")
    assert (log.status, log.data) == (JobStatus.COMPLETED, {"target_id": 7, "outcome": "published"})


def test_a_run_with_nothing_to_do_from_the_start_is_logged_cancelled() -> None:
    JobLog.objects.create(event=EVENT, workflow_id="publish-8", data={"target_id": 8})

    _log("publish-8", 8, JobStatus.CANCELLED, outcome="nothing to do")

    assert JobLog.objects.get(workflow_id="publish-8").status == JobStatus.CANCELLED
