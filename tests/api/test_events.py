"""Sending the product's events: staff only, validated, the same `send` as `tidings send-event`."""

from typing import Any

import pytest

from tests.api.conftest import Api, error, token
from tidings.accounts.models import User
from tidings.api.routers import events
from tidings.core.errors import NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """What reached `send`; the job system itself is tested in tests/jobs."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def send(name: str, data: dict[str, Any]) -> str:
        if data.get("target_id") == 404:
            raise NotFound("No post target 404.")
        calls.append((name, data))
        return f"wf-{len(calls)}"

    monkeypatch.setattr(events, "send", send)
    return calls


@pytest.fixture
def staff_api(carol: User) -> Api:
    User.objects.filter(pk=carol.pk).update(is_staff=True)
    carol.refresh_from_db()
    return Api(token(carol))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("post/scheduled.process", {"target_id": 7}),
        ("automation/rule.execute", {"rule_id": 3}),
        ("credits/check.expiry", {}),
        ("credits/reset.monthly", {}),
        ("credits/check.low", {"workspace_id": 1}),
    ],
)
def test_staff_send_each_of_the_five_events(staff_api: Api, sent: list[Any], name: str, data: dict[str, int]) -> None:
    response = staff_api.post("/events", {"name": name, "data": data})
    assert response.status_code == 202
    assert response.json() == {"workflow_id": "wf-1"}
    assert sent == [(name, data)]


def test_non_staff_are_403_even_with_the_scope(alice: User, sent: list[Any]) -> None:
    api = Api(token(alice, ["posts:read"]))
    error(api.post("/events", {"name": "credits/reset.monthly"}), 403, "forbidden")
    # A token given the scope while its user was staff loses it with the staff flag.
    User.objects.filter(pk=alice.pk).update(is_staff=True)
    alice.refresh_from_db()
    secret = token(alice, ["events"])
    User.objects.filter(pk=alice.pk).update(is_staff=False)
    assert "staff" in error(Api(secret).post("/events", {"name": "credits/reset.monthly"}), 403, "forbidden")["message"]
    assert sent == []


def test_bad_events_name_the_field(staff_api: Api, sent: list[Any]) -> None:
    assert error(staff_api.post("/events", {"name": "post/publish.now"}), 400, "invalid_input")["field"] == "name"
    body = error(
        staff_api.post("/events", {"name": "post/scheduled.process", "data": {"target_id": "x"}}), 400, "invalid_input"
    )
    assert body["field"] == "data.target_id"
    assert (
        error(staff_api.post("/events", {"name": "credits/check.low", "data": {"who": 1}}), 400, "invalid_input")[
            "field"
        ]
        == "data.who"
    )
    error(staff_api.post("/events", {"name": "post/scheduled.process", "data": {"target_id": 404}}), 404, "not_found")
    assert sent == []


def test_missing_data_is_refused_by_send(staff_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from tidings.jobs.events import send

    monkeypatch.setattr(events, "send", send)
    assert error(staff_api.post("/events", {"name": "credits/check.low"}), 400, "invalid_input")["field"] == "data"


def test_the_api_knows_exactly_the_five_events() -> None:
    from typing import get_args

    from tidings.api.schemas.tokens import EventName
    from tidings.jobs.events import EVENTS

    assert set(get_args(EventName)) == set(EVENTS)
