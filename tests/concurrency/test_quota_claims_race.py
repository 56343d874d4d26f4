"""Two dispatch ticks that overlap (on two workers) share one quota window: the second waits for the first's
claim and counts it, so together they never claim more than the window holds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.concurrency.test_lifecycle_races import held_open, in_thread, wait_until_blocked_on_a_lock
from tests.conftest import create_account, make_user
from tests.support.workspaces import owner
from tidings.posts import publishing
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_overlapping_claims_never_exceed_an_accounts_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_MASTODON", "3/600")
    user = make_user("carol", Tier.BUSINESS)
    account = create_account(user)
    for i in range(8):
        post = create_post(owner(user), text=f"post {i}", account_ids=[account.pk])
        schedule_post(owner(user), post.pk, at=timezone.now() + timedelta(minutes=5))
    PostTarget.objects.update(scheduled_at=timezone.now() - timedelta(seconds=5))

    with held_open(lambda: publishing.claim_due_targets()) as first:
        thread, second = in_thread(lambda: publishing.claim_due_targets())
        wait_until_blocked_on_a_lock()
    thread.join(timeout=30)

    assert len(first["value"]) == 3
    assert second == {"value": []}
    assert PostTarget.objects.filter(status=TargetStatus.QUEUED).count() == 3
