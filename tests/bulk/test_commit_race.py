"""Two commits of one import at once (a double click, two tabs): the second waits for the first's claim on the job
and is refused once it is done; the rows are created once."""

import pytest

from tests.bulk.conftest import csv_file
from tests.concurrency.test_lifecycle_races import held_open, in_thread, wait_until_blocked_on_a_lock
from tests.conftest import create_account, make_user
from tests.support.workspaces import owner
from tidings.bulk.models import ImportStatus
from tidings.bulk.services import commit_import, start_import
from tidings.core.errors import Conflict
from tidings.credits.models import CreditReservation
from tidings.posts.models import Post
from tidings.tiers.plans import Tier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_second_commit_waiting_on_the_first_creates_nothing() -> None:
    bob = make_user("bob", Tier.PRO)
    create_account(bob)
    data = csv_file({"text": "Once", "accounts": "@bob1", "scheduled_at": "2027-03-02 09:00"})
    job = start_import(owner(bob), file_name="once.csv", data=data)
    with held_open(lambda: commit_import(owner(bob), job.pk)) as first:
        thread, second = in_thread(lambda: commit_import(owner(bob), job.pk))
        wait_until_blocked_on_a_lock()
    thread.join(timeout=30)
    assert first["value"].status == ImportStatus.DONE
    assert isinstance(second.get("error"), Conflict)
    assert Post.objects.get().text == "Once"
    assert CreditReservation.objects.count() == 1
