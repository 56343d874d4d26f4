"""Helpers shared by the workflows: ORM-safe steps and job logs."""

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from dbos import DBOS
from django.db import close_old_connections
from django.utils import timezone

from tidings.jobs.models import JobLog, JobStatus

P = ParamSpec("P")
R = TypeVar("R")


def orm_step(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A DBOS step that uses the Django ORM: DBOS threads live on, so connections are closed around each call."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            close_old_connections()
            try:
                return function(*args, **kwargs)
            finally:
                close_old_connections()

        return DBOS.step(name=name)(run)

    return decorate


@orm_step("job_log.start")
def start_job_log(event: str, workflow_id: str, data: dict[str, Any], workspace_id: int | None = None) -> None:
    log, created = JobLog.objects.get_or_create(
        workflow_id=workflow_id,
        defaults={"event": event, "data": data, "workspace_id": workspace_id, "status": JobStatus.RUNNING},
    )
    if not created:
        JobLog.objects.filter(pk=log.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    else:
        JobLog.objects.filter(pk=log.pk).update(started_at=timezone.now())


@orm_step("job_log.finish")
def finish_job_log(workflow_id: str, status: str, *, result: dict[str, Any] | None = None, error: str = "") -> None:
    log = JobLog.objects.filter(workflow_id=workflow_id).first()
    if log is None:
        return
    data = {**log.data, **(result or {})}
    JobLog.objects.filter(pk=log.pk).update(status=status, error=error[:5000], data=data, finished_at=timezone.now())


def current_workflow_id() -> str:
    return DBOS.workflow_id or ""
