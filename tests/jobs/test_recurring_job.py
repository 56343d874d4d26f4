"""The repeats cron, driven through DBOS's own scheduler: ticks every five minutes make each due repeat once."""

from datetime import timedelta

import pytest
from dbos import DBOS
from django.utils import timezone

from tests.conftest import create_account
from tests.jobs.test_credit_jobs import backfill
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.jobs.models import JobLog
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.recurring.models import Repeat, RepeatOutcome
from tidings.recurring.services import Series, set_recurrence

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


def test_the_cron_makes_each_due_repeat_once(bob: User) -> None:
    schedules = {s["schedule_name"]: s for s in DBOS.list_schedules()}
    assert schedules["recurring-make-repeats"]["schedule"] == "*/5 * * * *"
    now = timezone.now()
    post = create_post(owner(bob), text="Daily special", account_ids=[create_account(bob).pk])
    schedule_post(owner(bob), post.pk, at=now + timedelta(minutes=3))
    series = set_recurrence(owner(bob), post.pk, Series(every=1, unit="day"))

    runs = backfill("recurring-make-repeats", now + timedelta(minutes=4), now + timedelta(minutes=16))

    assert len(runs) >= 2
    repeat = Repeat.objects.get()
    assert (repeat.outcome, repeat.occurs_at) == (RepeatOutcome.SCHEDULED, series.next_at)
    assert PostTarget.objects.get(post_id=repeat.post_id).status == TargetStatus.SCHEDULED
    logs = JobLog.objects.filter(event="recurring/repeats.make", status="completed")
    assert sorted(log.data["made"] for log in logs) == [0] * (len(runs) - 1) + [1]
