"""A post's series through the API: set, read, change and stop it; refusals in the one error shape."""

from datetime import UTC, datetime

import pytest
import time_machine

from tests.api.conftest import Api, error, token
from tests.conftest import create_account
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.posts.services import create_post, schedule_post
from tidings.recurring.models import Recurrence
from tidings.workspaces.plan import set_time_zone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> object:
    with time_machine.travel(datetime(2026, 12, 1, 8, tzinfo=UTC), tick=False):
        yield


def scheduled(user: User) -> int:
    set_time_zone(owner(user), time_zone="America/New_York")
    post = create_post(owner(user), text="Office hours", account_ids=[create_account(user).pk])
    # Thursday 3 December, 17:00 in New York.
    return schedule_post(owner(user), post.pk, at=datetime(2026, 12, 3, 22, tzinfo=UTC)).pk


def test_set_read_change_and_stop_a_series(bob: User) -> None:
    api, post_id = Api(token(bob)), scheduled(bob)
    assert error(api.get(f"/posts/{post_id}/recurrence"), 404, "not_found")
    put = api.put(f"/posts/{post_id}/recurrence", {"every": 2, "unit": "week", "weekdays": [1, 3], "count": 4})
    assert put.status_code == 200, put.content
    body = put.json()
    assert {k: body[k] for k in ("every", "unit", "weekdays", "at_time", "starts_on", "count", "made")} == {
        "every": 2,
        "unit": "week",
        "weekdays": [1, 3],
        "at_time": "17:00",
        "starts_on": "2026-12-03",
        "count": 4,
        "made": 1,
    }
    # Every other week on Tuesday and Thursday, from the first post's week: 15 and 17 December, then 29.
    assert body["upcoming"] == ["2026-12-15T22:00:00Z", "2026-12-17T22:00:00Z", "2026-12-29T22:00:00Z"]
    assert api.get(f"/posts/{post_id}/recurrence").json() == body
    changed = api.put(f"/posts/{post_id}/recurrence", {"every": 1, "unit": "day", "until": "2026-12-05"})
    assert changed.json()["upcoming"] == ["2026-12-04T22:00:00Z", "2026-12-05T22:00:00Z"]
    assert api.delete(f"/posts/{post_id}/recurrence").status_code == 204
    assert not Recurrence.objects.exists()
    assert error(api.delete(f"/posts/{post_id}/recurrence"), 404, "not_found")


def test_refusals(bob: User, carol: User) -> None:
    api, post_id = Api(token(bob)), scheduled(bob)
    assert error(api.put(f"/posts/{post_id}/recurrence", {"every": 0}), 400, "invalid_input")
    assert error(api.put(f"/posts/{post_id}/recurrence", {"unit": "month"}), 400, "invalid_input")
    assert error(api.put(f"/posts/{post_id}/recurrence", {"colour": "red"}), 400, "invalid_input")
    past_end = error(api.put(f"/posts/{post_id}/recurrence", {"until": "2026-12-02"}), 400, "invalid_input")
    assert past_end["field"] == "until"
    draft = create_post(owner(bob), text="Not yet", account_ids=[create_account(bob, n=2).pk])
    assert error(api.put(f"/posts/{draft.pk}/recurrence", {}), 409, "conflict")
    # Another workspace's post does not exist here.
    assert error(Api(token(carol)).put(f"/posts/{post_id}/recurrence", {}), 404, "not_found")
    assert error(Api(token(bob, ["posts:read"])).put(f"/posts/{post_id}/recurrence", {}), 403, "forbidden")
    assert not Recurrence.objects.exists()
