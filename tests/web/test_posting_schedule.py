"""The posting schedule's page, "Add to queue" in the composer with the slot it will take, and the slot queue on
the queue page (shuffle, move up), through the test client."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db.models import F
from django.test import Client

from tests.analytics.conftest import published
from tests.conftest import create_account, make_user
from tests.planning.conftest import draft, give_slots
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.planning.models import PostingSlot
from tidings.planning.services import add_to_queue
from tidings.posts.models import Post, TargetStatus
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db
START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(START, tick=False):
        yield


@pytest.fixture
def una(db: None) -> User:
    return make_user("una", Tier.PRO, time_zone="UTC")


def slots(user: User) -> list[tuple[int | None, int, str]]:
    rows = PostingSlot.objects.filter(workspace=workspace_of(user)).order_by(
        F("account_id").asc(nulls_first=True), "weekday", "time"
    )
    return [(s.account_id, s.weekday, f"{s.time:%H:%M}") for s in rows]


def test_adding_and_removing_slot_times(client: Client, una: User) -> None:
    account = create_account(una)
    client.force_login(una)
    response = client.post("/settings/schedule/", {"days": "weekdays", "time": "09:30"})
    assert response.status_code == 302
    assert slots(una) == [(None, d, "09:30") for d in range(5)]
    client.post("/settings/schedule/", {"days": "6", "time": "12:00", "account": account.pk}, follow=True)
    assert slots(una)[-1] == (account.pk, 6, "12:00")
    page = client.get(f"/settings/schedule/?account={account.pk}").content.decode()
    assert "12:00" in page
    assert "09:30" not in page
    client.post(f"/settings/schedule/{PostingSlot.objects.get(account=account).pk}/remove/")
    assert slots(una) == [(None, d, "09:30") for d in range(5)]
    assert "Posting times" in client.get("/settings/").content.decode()


def test_a_bad_time_is_shown_on_the_form(client: Client, una: User) -> None:
    client.force_login(una)
    response = client.post("/settings/schedule/", {"days": "daily", "time": "25:00"})
    assert response.status_code == 200
    assert "Enter a valid time." in response.content.decode()
    assert slots(una) == []


def test_a_viewer_sees_the_schedule_and_changes_nothing(client: Client, una: User) -> None:
    give_slots(una, "09:00", days=range(1))
    viewer = make_user("val", Tier.FREE)
    join(viewer, workspace_of(una), "viewer")
    client.force_login(viewer)
    session = client.session
    session["workspace_id"] = workspace_of(una).pk
    session.save()
    page = client.get("/settings/schedule/").content.decode()
    assert "Only an editor or above changes the posting schedule." in page
    assert client.post("/settings/schedule/", {"days": "daily", "time": "10:00"}).status_code == 403
    assert client.post(f"/settings/schedule/{PostingSlot.objects.get().pk}/remove/").status_code == 403
    assert slots(una) == [(None, 0, "09:00")]


def test_the_composer_shows_the_next_slot_and_adds_to_the_queue(client: Client, una: User) -> None:
    account = create_account(una)
    give_slots(una, "09:00", "12:00")
    client.force_login(una)
    preview = client.post("/compose/preview/", {"text": "Hi", "accounts": [account.pk]}).content.decode()
    assert 'data-testid="next-slot"' in preview
    assert "Next slot: <time" in preview
    assert "Mon 4 Jan, 09:00" in preview
    response = client.post("/compose/", {"text": "Hi", "accounts": [account.pk], "action": "queue"}, follow=True)
    assert "Added to the queue for Mon 4 Jan, 09:00." in response.content.decode()
    post = Post.objects.get()
    assert (post.scheduled_at, post.queued_in_slot) == (START.replace(hour=9), True)
    assert post.targets.get().status == TargetStatus.SCHEDULED
    preview = client.post("/compose/preview/", {"text": "Hi", "accounts": [account.pk]}).content.decode()
    assert "Mon 4 Jan, 12:00" in preview


def test_without_slots_the_draft_is_kept_with_the_way_to_set_them(client: Client, una: User) -> None:
    account = create_account(una)
    client.force_login(una)
    preview = client.post("/compose/preview/", {"text": "Hi", "accounts": [account.pk]}).content.decode()
    assert "has no posting slots yet" in preview
    assert 'href="/settings/schedule/"' in preview
    response = client.post("/compose/", {"text": "Kept", "accounts": [account.pk], "action": "queue"}, follow=True)
    page = response.content.decode()
    post = Post.objects.get()
    assert response.redirect_chain[-1][0] == f"/posts/{post.pk}/edit/"
    assert "has no posting slots yet" in page
    assert "Set the posting schedule" in page
    assert (post.text, post.scheduled_at, post.targets.get().status) == ("Kept", None, TargetStatus.DRAFT)


def test_the_queue_page_lists_the_slot_queue_with_shuffle_and_move_up(client: Client, una: User) -> None:
    account = create_account(una)
    give_slots(una, "09:00", "12:00")
    first, second = (add_to_queue(owner(una), draft(una, [account], f"Post {i}").pk) for i in range(2))
    client.force_login(una)
    page = client.get("/queue/").content.decode()
    assert 'data-testid="slot-queue"' in page
    assert 'data-testid="shuffle"' in page
    assert page.count('data-testid="move-up"') == 1
    response = client.post(f"/queue/slots/{second.pk}/up/", follow=True)
    assert "Moved up one slot." in response.content.decode()
    assert Post.objects.get(pk=second.pk).scheduled_at == START.replace(hour=9)
    response = client.post("/queue/slots/shuffle/", follow=True)
    assert "Shuffled: 2 posts changed slots." in response.content.decode()
    assert Post.objects.get(pk=first.pk).scheduled_at == START.replace(hour=9)


def test_the_schedule_suggests_the_hours_the_history_did_best_in_and_adds_one(client: Client, una: User) -> None:
    account = create_account(una)
    client.force_login(una)
    page = client.get("/settings/schedule/").content.decode()
    assert 'data-testid="no-suggestions"' in page
    assert "Fewer than 10 published posts" in page
    # Ten Tuesdays at 18:00 UTC, the last 90 days.
    for week in range(1, 11):
        published(account, f"tue-{week}", at=datetime(2026, 12, 29, 18, tzinfo=UTC) - timedelta(weeks=week))
    page = client.get("/settings/schedule/").content.decode()
    assert "<strong>Tuesday 18:00</strong>" in page
    assert "by how many posts went out then (no engagement counts yet)" in page
    client.post("/settings/schedule/", {"days": "1", "time": "18:00"})
    assert slots(una) == [(None, 1, "18:00")]
