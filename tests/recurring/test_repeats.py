"""A post that repeats: set through the service, each repeat made a day ahead by the product's own path, so it
reserves its credit then (never all at once), passes every check a post scheduled by hand passes, and when it
cannot be scheduled stays a draft with the reason while the series goes on."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests.conftest import create_account
from tests.generation.fake_openai import Reply
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput
from tidings.credits.models import CreditReservation
from tidings.credits.selectors import available_credits
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.models import Platform
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.recurring.models import Recurrence, Repeat, RepeatOutcome
from tidings.recurring.repeats import claim_repeat, due_series, make_repeat
from tidings.recurring.services import Series, set_recurrence, stop_recurrence, upcoming
from tidings.workspaces.plan import set_tier_limits, set_time_zone
from tidings.workspaces.roles import RoleTooLow

pytestmark = pytest.mark.django_db
# Tuesday 1 December 2026, 08:00 in London (GMT); the post goes out Wednesday at 09:00.
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
FIRST = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def scheduled(user: User, *, platform: Platform = Platform.MASTODON, text: str = "Fresh bread at nine") -> Post:
    set_time_zone(owner(user), time_zone="Europe/London")
    account = create_account(user, platform)
    post = create_post(owner(user), text=text, account_ids=[account.pk])
    return schedule_post(owner(user), post.pk, at=FIRST)


def run_due(now: datetime) -> list[str]:
    """What the cron's workflow does at `now`: claim each due series' next repeat, then make each."""
    with time_machine.travel(now, tick=False):
        claimed = [claim_repeat(pk, now=now) for pk in due_series(now=now)]
        return [make_repeat(pk) for pk in claimed if pk is not None]


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(START, tick=False):
        yield


def test_a_weekly_repeat_is_made_a_day_ahead_and_reserves_its_credit_then(bob: User, clock: object) -> None:
    post = scheduled(bob)
    series = set_recurrence(owner(bob), post.pk, Series(every=1, unit="week", count=3))
    assert (series.weekdays, str(series.at_time), series.starts_on) == ([2], "09:00:00", date(2026, 12, 2))
    assert series.next_at == FIRST + timedelta(weeks=1)
    assert upcoming(series) == [FIRST + timedelta(weeks=1), FIRST + timedelta(weeks=2)]
    before = available_credits(workspace_of(bob))
    # Nothing is made more than a day ahead: a week before, nor just outside the lead.
    assert run_due(FIRST + timedelta(days=5)) == []
    assert available_credits(workspace_of(bob)) == before
    assert run_due(FIRST + timedelta(days=6, minutes=1)) == ["scheduled"]
    repeat = Repeat.objects.get()
    copy = Post.objects.get(pk=repeat.post_id)
    assert (copy.text, copy.scheduled_at, repeat.occurs_at) == ("Fresh bread at nine", series.next_at, series.next_at)
    assert list(copy.targets.values_list("status", flat=True)) == [TargetStatus.SCHEDULED]
    assert CreditReservation.objects.filter(target__post=copy, status="pending").count() == 1
    assert available_credits(workspace_of(bob)) == before - 1
    # Made once, however often the cron comes round; the third and last repeat next week, then the series ends.
    assert run_due(FIRST + timedelta(days=6, minutes=30)) == []
    assert run_due(FIRST + timedelta(days=13, minutes=1)) == ["scheduled"]
    series.refresh_from_db()
    assert (series.made, series.next_at, upcoming(series)) == (3, None, [])
    assert run_due(FIRST + timedelta(days=20, minutes=1)) == []
    assert Repeat.objects.count() == 2


def test_a_repeat_that_cannot_be_scheduled_stays_a_draft_with_the_reason_and_the_series_goes_on(
    alice: User, clock: object
) -> None:
    post = scheduled(alice)  # Free: 10 credits
    set_recurrence(owner(alice), post.pk, Series(every=1, unit="day"))
    workspace = workspace_of(alice)
    workspace.credits = 1  # the first post holds it
    workspace.save(update_fields=["credits"])
    assert run_due(FIRST + timedelta(minutes=1)) == ["draft"]
    repeat = Repeat.objects.get()
    copy = Post.objects.get(pk=repeat.post_id)
    assert "credit" in repeat.reason
    assert copy.draft_reason == repeat.reason
    assert list(copy.targets.values_list("status", flat=True)) == [TargetStatus.DRAFT]
    assert not CreditReservation.objects.filter(target__post=copy).exists()
    note = Notification.objects.get(type=NotificationType.REPEAT_FAILED)
    assert (note.user_id, note.data) == (alice.pk, {"post_id": copy.pk})
    series = Recurrence.objects.get()
    assert (series.last_error, series.next_at) == (repeat.reason, FIRST + timedelta(days=2))


def test_a_repeat_whose_time_passed_while_no_worker_ran_is_missed_not_sent_late(bob: User, clock: object) -> None:
    post = scheduled(bob)
    set_recurrence(owner(bob), post.pk, Series(every=1, unit="day"))
    # Back two days later, at 10:00: the two repeats due meanwhile are missed; tomorrow's is made as usual.
    assert run_due(FIRST + timedelta(days=2, hours=1)) == ["scheduled"]
    made = list(Repeat.objects.order_by("occurs_at").values_list("occurs_at", "outcome"))
    assert made == [
        (FIRST + timedelta(days=1), RepeatOutcome.MISSED),
        (FIRST + timedelta(days=2), RepeatOutcome.MISSED),
        (FIRST + timedelta(days=3), RepeatOutcome.SCHEDULED),
    ]
    assert Recurrence.objects.get().next_at == FIRST + timedelta(days=4)
    assert PostTarget.objects.count() == 2


def test_a_contributors_repeats_wait_for_approval(carol: User, alice: User, clock: object) -> None:
    set_tier_limits(workspace_of(carol), overrides={"members": 5})
    set_time_zone(owner(carol), time_zone="Europe/London")
    account = create_account(carol)
    writer = join(alice, workspace_of(carol), "contributor")
    post = create_post(writer, text="Choir practice", account_ids=[account.pk])
    schedule_post(writer, post.pk, at=FIRST)
    set_recurrence(writer, post.pk, Series(every=1, unit="week"))
    assert run_due(FIRST + timedelta(days=6, minutes=1)) == ["proposed"]
    copy = Post.objects.get(pk=Repeat.objects.get().post_id)
    assert list(copy.targets.values_list("status", flat=True)) == [TargetStatus.AWAITING_APPROVAL]
    assert copy.author_id == alice.pk


def test_the_series_stops_when_its_author_leaves(carol: User, alice: User, clock: object) -> None:
    set_tier_limits(workspace_of(carol), overrides={"members": 5})
    set_time_zone(owner(carol), time_zone="Europe/London")
    account = create_account(carol)
    editor = join(alice, workspace_of(carol), "editor")
    post = create_post(editor, text="Choir practice", account_ids=[account.pk])
    schedule_post(editor, post.pk, at=FIRST)
    set_recurrence(editor, post.pk, Series(every=1, unit="week"))
    alice.memberships.filter(workspace=workspace_of(carol)).delete()
    assert run_due(FIRST + timedelta(days=6, minutes=1)) == ["missed"]
    series = Recurrence.objects.get()
    assert series.next_at is None
    assert "stopped" in series.last_error
    assert Post.objects.count() == 1


def test_x_needs_rewording_and_a_reworded_repeat_is_checked_for_duplicates(
    bob: User, clock: object, ai_model: object
) -> None:
    post = scheduled(bob, platform=Platform.X)
    with pytest.raises(InvalidInput, match="X refuse a post identical") as refusal:
        set_recurrence(owner(bob), post.pk, Series(every=1, unit="week"))
    assert refusal.value.details["field"] == "rewrite"
    assert not Recurrence.objects.exists()
    set_recurrence(owner(bob), post.pk, Series(every=1, unit="week", rewrite=True))
    ai_model.then(Reply(text="Warm loaves out of the oven at nine"), Reply(text="fresh  BREAD at nine"))  # type: ignore[attr-defined]
    assert run_due(FIRST + timedelta(days=6, minutes=1)) == ["scheduled"]
    first_copy = Post.objects.get(pk=Repeat.objects.get().post_id)
    assert first_copy.text == "Warm loaves out of the oven at nine"
    # The next rewording comes back as the original in other case and spacing: X would refuse it.
    assert run_due(FIRST + timedelta(days=13, minutes=1)) == ["draft"]
    second = Repeat.objects.order_by("-occurs_at").first()
    assert second is not None
    assert "refuses duplicates" in second.reason
    assert list(PostTarget.objects.filter(post_id=second.post_id).values_list("status", flat=True)) == ["draft"]


def test_setting_a_series_asks_for_a_scheduled_post_and_the_right_role(bob: User, alice: User, clock: object) -> None:
    set_time_zone(owner(bob), time_zone="Europe/London")
    draft = create_post(owner(bob), text="Later", account_ids=[create_account(bob).pk])
    with pytest.raises(Conflict, match="Schedule the post first"):
        set_recurrence(owner(bob), draft.pk, Series())
    post = schedule_post(owner(bob), draft.pk, at=FIRST)
    for wrong in (Series(every=0), Series(every=53), Series(unit="month"), Series(count=1), Series(weekdays=(7,))):
        with pytest.raises(InvalidInput):
            set_recurrence(owner(bob), post.pk, wrong)
    with pytest.raises(InvalidInput, match="cannot end before"):
        set_recurrence(owner(bob), post.pk, Series(until=date(2026, 12, 1)))
    viewer = join(alice, workspace_of(bob), "viewer")
    with pytest.raises(RoleTooLow):
        set_recurrence(viewer, post.pk, Series())
    assert not Recurrence.objects.exists()


def test_stopping_keeps_the_repeats_already_scheduled(bob: User, clock: object) -> None:
    post = scheduled(bob)
    set_recurrence(owner(bob), post.pk, Series(every=1, unit="day"))
    assert run_due(FIRST + timedelta(minutes=1)) == ["scheduled"]
    stop_recurrence(owner(bob), post.pk)
    assert not Recurrence.objects.exists()
    assert PostTarget.objects.filter(status=TargetStatus.SCHEDULED).count() == 2
    assert run_due(FIRST + timedelta(days=1, minutes=1)) == []
