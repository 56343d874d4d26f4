"""Approvals on the pages: the dashboard tells approvers what waits for them, the queue's forms decide, and the
composer shows a post's notes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import create_account
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.posts.models import PostTarget
from tidings.posts.services import create_post, schedule_post
from tidings.workspaces.plan import set_tier_limits

pytestmark = pytest.mark.django_db


def client_in(user: User, host: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["workspace_id"] = workspace_of(host).pk
    session.save()
    return client


@pytest.fixture
def proposal(carol: User, alice: User) -> int:
    set_tier_limits(workspace_of(carol), overrides={"members": 5})
    account = create_account(carol)
    writer = join(alice, workspace_of(carol), "contributor")
    post = create_post(writer, text="Harvest festival on Saturday", account_ids=[account.pk])
    schedule_post(writer, post.pk, at=timezone.now() + timedelta(days=1))
    return post.pk


def test_the_dashboard_tells_approvers_and_only_them(proposal: int, carol: User, alice: User) -> None:
    owner_page = client_in(carol, carol).get("/dashboard/").content.decode()
    assert "“Harvest festival on Saturday” waits for your approval" in owner_page
    assert "Proposed by alice; its credits are held until you decide." in owner_page
    writer_page = client_in(alice, carol).get("/dashboard/").content.decode()
    assert "waits for your approval" not in writer_page


def test_the_queue_decides_and_the_composer_shows_the_notes(proposal: int, carol: User, alice: User) -> None:
    owner = client_in(carol, carol)
    assert owner.post(f"/posts/{proposal}/decide/maybe/").status_code == 404
    commented = owner.post(f"/posts/{proposal}/comment/", {"text": "Which Saturday?"}, headers={"HX-Request": "true"})
    assert commented.status_code == 200
    assert "Which Saturday?" in commented.content.decode()
    response = owner.post(f"/posts/{proposal}/decide/changes/", {"text": "Say which Saturday."})
    assert response.status_code == 302
    assert list(PostTarget.objects.filter(post_id=proposal).values_list("status", flat=True)) == ["draft"]
    page = client_in(alice, carol).get(f"/posts/{proposal}/edit/").content.decode()
    assert "carol asked for changes: Say which Saturday." in page
    assert "Which Saturday?" in page
    assert "changes requested" in page


def test_the_dashboard_asks_each_member_only_what_their_role_can_do(carol: User, bob: User) -> None:
    account = create_account(carol)
    type(account).objects.filter(pk=account.pk).update(status="reconnect_needed")
    set_tier_limits(workspace_of(carol), overrides={"members": 5})
    join(bob, workspace_of(carol), "viewer")
    assert f"Reconnect {account}" in client_in(carol, carol).get("/dashboard/").content.decode()
    assert f"Reconnect {account}" not in client_in(bob, carol).get("/dashboard/").content.decode()


def test_the_owner_deletes_a_shared_workspace_from_its_page(carol: User) -> None:
    from tidings.workspaces.members import create_workspace
    from tidings.workspaces.models import Workspace

    acme = create_workspace(carol, name="Acme")
    client = client_in(carol, carol)
    session = client.session
    session["workspace_id"] = acme.pk
    session.save()
    assert "Delete this workspace" in client.get("/workspace/").content.decode()
    assert client.post("/workspace/delete/", {"confirm_name": "Nope"}).status_code == 302
    assert Workspace.objects.filter(pk=acme.pk).exists()
    response = client.post("/workspace/delete/", {"confirm_name": "Acme"})
    assert response["Location"] == "/dashboard/"
    assert not Workspace.objects.filter(pk=acme.pk).exists()
    assert "carol&#x27;s workspace · Business" in client.get("/dashboard/").content.decode()
