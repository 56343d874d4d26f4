"""The Webhooks pages for those who may only look: an editor sees the endpoints and their log, no secret and no
controls, and a form they send anyway is refused with nothing changed."""

import pytest
from django.test import Client

from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.webhooks.models import Endpoint
from tidings.webhooks.services import create_endpoint

pytestmark = pytest.mark.django_db


def test_an_editor_sees_endpoints_without_secret_or_controls(alice: User, bob: User) -> None:
    endpoint = create_endpoint(owner(alice), url="https://hooks.example.org/", event_types=["post.failed"])
    join(bob, workspace_of(alice), "editor")
    client = Client()
    client.force_login(bob)
    session = client.session
    session["workspace_id"] = workspace_of(alice).pk
    session.save()
    listing = client.get("/workspace/webhooks/").content.decode()
    assert "https://hooks.example.org/" in listing
    assert "Adding and changing endpoints needs the Admin role or above." in listing
    detail = client.get(f"/workspace/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in detail
    assert "Reveal secret" not in detail
    assert "Send a test event" not in detail
    assert client.post(f"/workspace/webhooks/{endpoint.pk}/secret/").status_code == 403
    assert (
        client.post(
            "/workspace/webhooks/", {"url": "https://x.example.org/", "event_types": ["post.failed"]}
        ).status_code
        == 403
    )
    assert list(Endpoint.objects.values_list("url", flat=True)) == ["https://hooks.example.org/"]


def test_a_refused_address_is_shown_on_the_form(alice: User) -> None:
    client = Client()
    client.force_login(alice)
    page = client.post("/workspace/webhooks/", {"url": "http://127.0.0.1/x", "event_types": ["post.failed"]})
    assert page.status_code == 200
    assert "Endpoints must use https://" in page.content.decode()
    assert Endpoint.objects.count() == 0
