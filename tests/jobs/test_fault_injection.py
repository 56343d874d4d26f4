"""Under 30% injected faults every post ends published or failed, with exact credits and one notice per failure."""

import pytest

from tests.conftest import make_user
from tests.jobs.conftest import connect_webhook, due_post, settled, wait_for
from tests.support.fake_platform import FakePlatform, random_faults
from tests.support.workspaces import workspace_of
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.credits.services import ledger_balance
from tidings.notifications.models import Notification, NotificationType
from tidings.posts.models import PostTarget, TargetStatus
from tidings.tiers.plans import Tier

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]
POSTS = 120


def test_every_post_ends_published_or_failed_with_exact_credits(fake: FakePlatform) -> None:
    fake.decide_fault = random_faults(0.3, kinds=("500", "503", "429", "timeout", "422"))
    fake.retry_after = "0.2"
    fake.latency = 0.01
    carol = make_user("carol", Tier.BUSINESS, tier_limits={"queue_size": 1000, "posts_per_platform_per_day": 1000})
    account = connect_webhook(carol, fake)
    posts = [due_post(carol, [account], text=f"post {n}") for n in range(POSTS)]

    wait_for(lambda: all(settled(p) for p in posts), timeout=240, what="every post to settle")

    targets = PostTarget.objects.filter(post__in=posts)
    published = set(targets.filter(status=TargetStatus.PUBLISHED).values_list("pk", flat=True))
    failed = set(targets.filter(status=TargetStatus.FAILED).values_list("pk", flat=True))
    # Only where a send went unanswered and every later attempt failed: the post may exist, so the user decides.
    unconfirmed = set(targets.filter(status=TargetStatus.UNCONFIRMED).values_list("pk", flat=True))
    print(
        f"\n{POSTS} posts, 30% faults {dict(fake.faults_sent)}: {len(published)} published, "
        f"{len(failed)} failed, {len(unconfirmed)} unconfirmed"
    )
    assert len(published) + len(failed) + len(unconfirmed) == POSTS
    assert fake.faults_sent["timeout"] > 0
    assert fake.faults_sent["422"] > 0
    assert len(failed) > 0
    assert len(unconfirmed) <= 2

    # Published exactly once on the platform, each under its own key; nothing failed reached it.
    def keys(ids: set[int]) -> set[str]:
        return {str(k) for k in targets.filter(pk__in=ids).values_list("idempotency_key", flat=True)}

    assert set(fake.posts) == keys(published) | keys(unconfirmed)
    # Credits: consumed for each published post, released for each failure, held while unconfirmed.
    reservations = CreditReservation.objects.filter(workspace=workspace_of(carol))
    by_status = {
        status: set(reservations.filter(status=status).values_list("target_id", flat=True))
        for status in ReservationStatus.values
    }
    assert by_status == {"consumed": published, "released": failed, "pending": unconfirmed}
    assert workspace_of(carol).credits == 2000 - len(published)
    assert ledger_balance(workspace_of(carol)) == workspace_of(carol).credits
    assert available_credits(workspace_of(carol)) == workspace_of(carol).credits - len(unconfirmed)
    assert CreditLedgerEntry.objects.filter(workspace=workspace_of(carol), kind=LedgerKind.CONSUME).count() == len(
        published
    )
    # One notice per failed or unconfirmed target, naming it; none for the published ones.
    notices = Notification.objects.filter(user=carol, type=NotificationType.POST_FAILED)
    assert sorted(n.data["target_id"] for n in notices) == sorted(failed | unconfirmed)
    # Every failure keeps its text and its reason.
    for target in targets.filter(pk__in=failed).select_related("post"):
        assert target.post.text.startswith("post ")
        assert target.error
