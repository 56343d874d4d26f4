"""Two workers claiming the same series' next repeat at once (two crons after a failover, a replayed step): the
second waits on the first's lock and then finds the occurrence taken, so one repeat is made, one credit reserved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.concurrency.test_lifecycle_races import held_open, in_thread, wait_until_blocked_on_a_lock
from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.workspaces import owner
from tidings.credits.models import CreditReservation
from tidings.recurring.models import Repeat
from tidings.recurring.repeats import claim_repeat, make_repeat
from tidings.recurring.services import Series, set_recurrence
from tidings.tiers.plans import Tier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_claim_waiting_on_another_claims_nothing_twice() -> None:
    bob = make_user("bob", Tier.PRO)
    post = create_scheduled_post(bob, [create_account(bob)], minutes=30)
    series = set_recurrence(owner(bob), post.pk, Series(every=1, unit="day"))
    now = timezone.now() + timedelta(minutes=40)  # the repeat, a day after the post, is within the lead

    with held_open(lambda: claim_repeat(series.pk, now=now)) as first:
        thread, second = in_thread(lambda: claim_repeat(series.pk, now=now))
        wait_until_blocked_on_a_lock()
    thread.join(timeout=30)

    assert first["value"] is not None
    assert second == {"value": None}
    assert make_repeat(first["value"]) == "scheduled"
    assert Repeat.objects.count() == 1
    assert CreditReservation.objects.filter(status="pending").count() == 2  # the post and its one repeat
