import pytest

from tests.api.conftest import Api, error
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.notifications.models import Notification, NotificationType
from tidings.notifications.services import notify
from tidings.workspaces.roles import Action

pytestmark = pytest.mark.django_db


def note(user: User, title: str) -> Notification:
    made = notify(
        workspace_of(user), audience=Action.SCHEDULE, type=NotificationType.LOW_CREDITS, title=title, message="m"
    )
    assert len(made) == 1
    return made[0]


def test_list_count_and_mark_read(alice: User, bob: User, bob_api: Api) -> None:
    first, second = note(bob, "one"), note(bob, "two")
    theirs = note(alice, "alice's")
    assert [n["id"] for n in bob_api.get("/notifications").json()["items"]] == [second.pk, first.pk]
    assert bob_api.get("/notifications/unread-count").json() == {"unread": 2}
    assert bob_api.post("/notifications/read", {"ids": [first.pk, theirs.pk]}).json() == {"marked": 1}
    assert [n["id"] for n in bob_api.get("/notifications", {"unread": "true"}).json()["items"]] == [second.pk]
    assert [n["id"] for n in bob_api.get("/notifications", {"unread": "false"}).json()["items"]] == [first.pk]
    assert bob_api.post("/notifications/read", {}).json() == {"marked": 1}
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_bad_ids_name_the_field(bob_api: Api) -> None:
    assert error(bob_api.post("/notifications/read", {"ids": ["x"]}), 400, "invalid_input")["field"] == "ids.0"
