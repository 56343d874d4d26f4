"""Webhook endpoints through the API: create (the secret in the answer, Idempotency-Key honoured), read, change,
reveal, ping, the delivery log and redelivery; the scopes, the role and the workspace each hold."""

from collections.abc import Iterator

import pytest

from tests.api.conftest import Api, error, token
from tests.support.event_receiver import Receiver
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.api.services import create_token
from tidings.webhooks.models import Delivery, DeliveryAttempt, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")
    started = Receiver().start()
    yield started
    started.stop()


def test_an_endpoint_from_creation_to_redelivery(alice: User, alice_api: Api, receiver: Receiver) -> None:
    created = alice_api.post(
        "/webhooks/endpoints",
        {"url": receiver.url, "event_types": ["post.published", "post.failed"], "description": "CRM"},
        headers={"Idempotency-Key": "hook-1"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    endpoint_id, secret = body["id"], body["secret"]
    assert secret.startswith("whsec_")
    assert {k: body[k] for k in ("url", "event_types", "description", "enabled", "disabled_reason")} == {
        "url": receiver.url,
        "event_types": ["post.published", "post.failed"],
        "description": "CRM",
        "enabled": True,
        "disabled_reason": "",
    }
    again = alice_api.post(
        "/webhooks/endpoints",
        {"url": receiver.url, "event_types": ["post.published", "post.failed"], "description": "CRM"},
        headers={"Idempotency-Key": "hook-1"},
    )
    assert again.json() == body
    assert again["Idempotent-Replayed"] == "true"
    assert Endpoint.objects.count() == 1

    listed = alice_api.get("/webhooks/endpoints").json()
    assert listed["count"] == 1
    assert "secret" not in listed["items"][0]
    assert alice_api.post(f"/webhooks/endpoints/{endpoint_id}/secret").json() == {"secret": secret}

    receiver.answers = [500]
    ping = alice_api.post(f"/webhooks/endpoints/{endpoint_id}/ping")
    assert ping.status_code == 201
    delivery = ping.json()
    assert (delivery["event_type"], delivery["status"], delivery["last_status_code"]) == ("ping", "failed", 500)
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500]

    redelivered = alice_api.post(f"/webhooks/deliveries/{delivery['id']}/redeliver").json()
    assert (redelivered["status"], redelivered["attempts"]) == ("delivered", 2)
    assert [(a["number"], a["status_code"], a["manual"]) for a in redelivered["attempt_log"]] == [
        (2, 200, True),
        (1, 500, True),
    ]
    log = alice_api.get(f"/webhooks/endpoints/{endpoint_id}/deliveries", {"limit": 10}).json()
    assert [item["id"] for item in log["items"]] == [delivery["id"]]
    assert log["count"] == 1
    assert alice_api.get(f"/webhooks/deliveries/{delivery['id']}").json()["payload"]["type"] == "ping"

    changed = alice_api.put(
        f"/webhooks/endpoints/{endpoint_id}",
        {"url": receiver.url, "event_types": ["credits.low"], "description": "", "enabled": False},
    ).json()
    assert (changed["event_types"], changed["enabled"]) == (["credits.low"], False)
    assert alice_api.delete(f"/webhooks/endpoints/{endpoint_id}").status_code == 204
    assert Endpoint.objects.count() == Delivery.objects.count() == 0


def test_a_local_address_is_refused_naming_the_field(alice_api: Api) -> None:
    body = error(
        alice_api.post("/webhooks/endpoints", {"url": "http://127.0.0.1/x", "event_types": ["post.failed"]}),
        400,
        "invalid_input",
    )
    assert body["field"] == "url"
    assert Endpoint.objects.count() == 0


def test_the_scopes_hold(alice: User) -> None:
    reader = Api(token(alice, ["webhooks:read"]))
    assert reader.get("/webhooks/endpoints").status_code == 200
    error(
        reader.post("/webhooks/endpoints", {"url": "https://x.example.org/", "event_types": ["post.failed"]}),
        403,
        "forbidden",
    )
    nothing = Api(token(alice, ["posts:read"]))
    error(nothing.get("/webhooks/endpoints"), 403, "forbidden")
    assert Endpoint.objects.count() == 0


def test_an_editor_may_read_but_not_change_or_see_the_secret(alice: User, bob: User, alice_api: Api) -> None:
    endpoint_id = alice_api.post(
        "/webhooks/endpoints", {"url": "https://hooks.example.org/", "event_types": ["post.failed"]}
    ).json()["id"]
    editor = Api(
        create_token(join(bob, workspace_of(alice), "editor"), name="x", scopes=["webhooks:read", "webhooks:write"])[1]
    )
    assert editor.get(f"/webhooks/endpoints/{endpoint_id}").status_code == 200
    for path in (f"/webhooks/endpoints/{endpoint_id}/secret", f"/webhooks/endpoints/{endpoint_id}/ping"):
        error(editor.post(path), 403, "role_too_low")
    error(editor.delete(f"/webhooks/endpoints/{endpoint_id}"), 403, "role_too_low")
    assert Endpoint.objects.filter(pk=endpoint_id).exists()
    assert DeliveryAttempt.objects.count() == 0


def test_another_workspaces_endpoint_is_not_found(alice_api: Api, bob_api: Api) -> None:
    endpoint_id = alice_api.post(
        "/webhooks/endpoints", {"url": "https://hooks.example.org/", "event_types": ["post.failed"]}
    ).json()["id"]
    error(bob_api.get(f"/webhooks/endpoints/{endpoint_id}"), 404, "not_found")
    error(bob_api.post(f"/webhooks/endpoints/{endpoint_id}/secret"), 404, "not_found")
    error(bob_api.get(f"/webhooks/endpoints/{endpoint_id}/deliveries"), 404, "not_found")
    assert bob_api.get("/webhooks/endpoints").json()["count"] == 0
