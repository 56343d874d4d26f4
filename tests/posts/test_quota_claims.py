"""The dispatcher's claim keeps each account's and each platform's quota, counted from the posts table: one
account's burst waits for a later tick while another account's post goes at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import create_account, make_user
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.models import SocialAccount
from tidings.posts import publishing
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier


@pytest.fixture
def agency(db: None) -> User:
    """Business, with no daily or queue limit (a deal): a hundred posts due at once are its to make."""
    return make_user("agency", Tier.BUSINESS, tier_limits={"posts_per_platform_per_day": None, "queue_size": None})


def due_targets(user: User, account: SocialAccount, n: int, *, minutes_ago: float = 5) -> list[int]:
    """`n` posts on `account`, scheduled, then due `minutes_ago` (the time is data: a test may move it)."""
    ids = []
    for i in range(n):
        post = create_post(owner(user), text=f"{account.handle} post {i}", account_ids=[account.pk])
        schedule_post(owner(user), post.pk, at=timezone.now() + timedelta(minutes=5))
        ids.append(post.targets.get().pk)
    # Oldest first, a second apart, all due.
    for offset, pk in enumerate(ids):
        due = timezone.now() - timedelta(minutes=minutes_ago) + timedelta(seconds=offset)
        PostTarget.objects.filter(pk=pk).update(scheduled_at=due)
    return ids


def publish(target_ids: list[int]) -> None:
    """Publish claimed targets through the product's own steps (begin, then complete as the platform answered)."""
    for pk in target_ids:
        assert publishing.begin_publish(pk).action == "publish"
        assert publishing.complete_publish(pk, external_id=f"ext-{pk}") is True


def claimed_ids(**kwargs: object) -> list[int]:
    return [row[0] for row in publishing.claim_due_targets(**kwargs)]  # type: ignore[arg-type]


def statuses(ids: list[int]) -> dict[str, int]:
    found: dict[str, int] = {}
    for status in PostTarget.objects.filter(pk__in=ids).values_list("status", flat=True):
        found[status] = found.get(status, 0) + 1
    return found


def test_an_account_over_its_budget_waits_while_another_accounts_post_is_claimed_at_once(
    agency: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_MASTODON", "5/600")
    a, b = create_account(agency), create_account(bob)
    burst = due_targets(agency, a, 100, minutes_ago=10)
    (single,) = due_targets(bob, b, 1, minutes_ago=1)  # due after every one of A's

    first = claimed_ids()

    assert single in first
    assert sorted(set(first) - {single}) == burst[:5]  # A's five oldest, its whole budget
    assert statuses(burst) == {TargetStatus.QUEUED: 5, TargetStatus.SCHEDULED: 95}
    # In flight, they still count: the next tick takes nothing of A's.
    assert claimed_ids() == []
    # Published within the window, they count too, whatever process published them.
    publish(burst[:5])
    assert claimed_ids() == []
    # Ten minutes on, the window has room for five more.
    assert claimed_ids(now=timezone.now() + timedelta(minutes=10, seconds=1)) == burst[5:10]


def test_a_burst_takes_turns_with_other_accounts_within_one_batch(
    carol: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_MASTODON", "none")
    a, b = create_account(carol), create_account(bob)
    burst = due_targets(carol, a, 20, minutes_ago=10)
    (single,) = due_targets(bob, b, 1, minutes_ago=1)

    # A batch of three: each account's oldest first, then A's next.
    assert claimed_ids(limit=3) == [burst[0], single, burst[1]]


def test_the_app_wide_limit_holds_all_accounts_together(
    carol: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_MASTODON", "none")
    monkeypatch.setenv("TIDINGS_RATE_MASTODON", "4/600")
    a, b = create_account(carol), create_account(bob)
    mine = due_targets(carol, a, 5, minutes_ago=10)
    theirs = due_targets(bob, b, 5, minutes_ago=9)

    first = claimed_ids()

    assert first == [mine[0], theirs[0], mine[1], theirs[1]]
    assert claimed_ids() == []
    publish(first)
    assert claimed_ids() == []
    assert len(claimed_ids(now=timezone.now() + timedelta(minutes=10, seconds=1))) == 4


def test_quotas_of_one_platform_leave_another_platform_alone(
    carol: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_MASTODON", "1/3600")
    monkeypatch.setenv("TIDINGS_RATE_BLUESKY", "none")
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_BLUESKY", "none")
    mastodon, bluesky = create_account(carol), create_account(carol, platform="bluesky")
    toots = due_targets(carol, mastodon, 3)
    skeets = due_targets(carol, bluesky, 3, minutes_ago=4)

    assert sorted(claimed_ids()) == sorted([toots[0], *skeets])


def test_ended_targets_that_never_went_out_do_not_count(carol: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_MASTODON", "2/3600")
    account = create_account(carol)
    targets = due_targets(carol, account, 4)

    first = claimed_ids()
    assert first == targets[:2]
    publishing.end_target(first[0], status=TargetStatus.FAILED, reason="The platform refused it.")

    # The failed one gave its place back; the one in flight keeps its own.
    assert claimed_ids() == targets[2:3]
