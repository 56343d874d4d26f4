"""The posting schedule through the API: read and replace slots, the next free slot, add to the queue (idempotent),
shuffle and move up; another workspace's ids are absent."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from tests.api.conftest import Api, error
from tests.conftest import create_account
from tests.planning.conftest import draft, give_slots
from tidings.accounts.models import User
from tidings.planning.models import PostingSlot
from tidings.posts.models import Post, TargetStatus
from tidings.workspaces.models import Workspace

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(START, tick=False):
        yield


@pytest.fixture
def zoned(alice: User) -> User:
    Workspace.objects.filter(personal_owner=alice).update(time_zone="Europe/Berlin")
    return alice


def test_put_replaces_a_schedule_and_get_lists_every_slot(zoned: User, alice_api: Api) -> None:
    account = create_account(zoned)
    put = alice_api.put("/slots", {"slots": [{"weekday": 0, "time": "09:00"}, {"weekday": 2, "time": "17:30"}]})
    assert put.status_code == 200, put.content
    own = alice_api.put("/slots", {"account_id": account.pk, "slots": [{"weekday": 4, "time": "12:00"}]})
    assert own.status_code == 200
    body = alice_api.get("/slots").json()
    assert body["time_zone"] == "Europe/Berlin"
    assert [(s["account_id"], s["weekday"], s["time"]) for s in body["slots"]] == [
        (None, 0, "09:00"),
        (None, 2, "17:30"),
        (account.pk, 4, "12:00"),
    ]


def test_a_bad_weekday_or_another_workspaces_account_changes_nothing(zoned: User, alice_api: Api, bob: User) -> None:
    theirs = create_account(bob)
    error(alice_api.put("/slots", {"slots": [{"weekday": 7, "time": "09:00"}]}), 400, "invalid_input")
    error(alice_api.put("/slots", {"account_id": theirs.pk, "slots": []}), 404, "not_found")
    assert not PostingSlot.objects.exists()


def test_next_slot_in_the_workspaces_zone(zoned: User, alice_api: Api, bob: User) -> None:
    account = create_account(zoned)
    give_slots(zoned, "09:00", "10:00")
    response = alice_api.get("/slots/next", {"accounts": str(account.pk)})
    assert response.json() == {"at": "2027-01-04T09:00:00Z", "local": "2027-01-04T10:00:00+01:00"}
    error(alice_api.get("/slots/next", {"accounts": f"{account.pk},{create_account(bob).pk}"}), 404, "not_found")
    error(alice_api.get("/slots/next", {"accounts": "x"}), 400, "invalid_input")


def test_next_slot_without_a_schedule_says_where_to_set_one(zoned: User, alice_api: Api) -> None:
    account = create_account(zoned)
    found = error(alice_api.get("/slots/next", {"accounts": str(account.pk)}), 409, "no_free_slot")
    assert found["settings_url"] == "/settings/schedule/"


def test_add_to_queue_once_per_idempotency_key(zoned: User, alice_api: Api) -> None:
    account = create_account(zoned)
    give_slots(zoned, "09:00", "10:00")
    post = draft(zoned, [account])
    key = {"Idempotency-Key": "queue-1"}
    first = alice_api.post(f"/posts/{post.pk}/queue", headers=key)
    assert first.status_code == 200, first.content
    assert first.json()["scheduled_at"] == "2027-01-04T09:00:00Z"
    again = alice_api.post(f"/posts/{post.pk}/queue", headers=key)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    post.refresh_from_db()
    assert (post.queued_in_slot, post.targets.get().status) == (True, TargetStatus.SCHEDULED)


def test_add_to_queue_refused_keeps_the_draft(zoned: User, alice_api: Api, bob: User) -> None:
    account = create_account(zoned)
    post = draft(zoned, [account])
    error(alice_api.post(f"/posts/{post.pk}/queue"), 409, "no_free_slot")
    post.refresh_from_db()
    assert (post.scheduled_at, post.targets.get().status) == (None, TargetStatus.DRAFT)
    assert "has no posting slots yet" in post.draft_reason
    give_slots(bob, "09:00")
    theirs = draft(bob, [create_account(bob)])
    error(alice_api.post(f"/posts/{theirs.pk}/queue"), 404, "not_found")
    assert Post.objects.get(pk=theirs.pk).scheduled_at is None


def test_move_up_and_shuffle(zoned: User, alice_api: Api) -> None:
    account = create_account(zoned)
    give_slots(zoned, "09:00", "10:00")
    first, second = (draft(zoned, [account], f"Post {i}") for i in range(2))
    for post in (first, second):
        assert alice_api.post(f"/posts/{post.pk}/queue").status_code == 200
    moved = alice_api.post(f"/slots/queue/{second.pk}/up")
    assert moved.json()["scheduled_at"] == "2027-01-04T09:00:00Z"
    error(alice_api.post(f"/slots/queue/{second.pk}/up"), 409, "conflict")
    assert alice_api.post("/slots/queue/shuffle").json() == {"moved": 2}
