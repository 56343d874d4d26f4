"""The pages act in the workspace the session names, with the role the person has there: reads need only
membership, a role too low is a 403 that says which role it takes (and changes nothing), and another workspace's
post is as missing as it ever was."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from tests.conftest import create_account, create_scheduled_post
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.web.auth import WORKSPACE_KEY
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.roles import Role

pytestmark = pytest.mark.django_db
SCHEDULE_REFUSED = "Your role in this workspace ({role}) cannot schedule or publish posts; it needs Editor or above."


def work_in(client: Client, user: User, workspace: Workspace) -> None:
    """Sign `user` in, working in `workspace` (as the workspace switcher leaves the session)."""
    client.force_login(user)
    session = client.session
    session[WORKSPACE_KEY] = workspace.pk
    session.save()


def alices_post(alice: User) -> Post:
    return create_scheduled_post(alice, [create_account(alice)], days=1, text="Alice's launch")


def unchanged(post: Post, at: object) -> bool:
    target = PostTarget.objects.get(post=post)
    pending = CreditReservation.objects.filter(target=target, status=ReservationStatus.PENDING).count()
    return (target.status, target.scheduled_at, pending) == (TargetStatus.SCHEDULED, at, 1)


def test_a_member_sees_the_workspace_the_session_names_and_their_own_without_it(
    client: Client, alice: User, bob: User
) -> None:
    join(bob, workspace_of(alice), Role.VIEWER)
    alices_post(alice)
    work_in(client, bob, workspace_of(alice))
    dashboard = client.get("/dashboard/").content.decode()
    assert 'data-testid="plan-name">bob · Free plan<' in dashboard
    assert "Your plan: Free" in client.get("/plan/").content.decode()
    assert "Alice&#x27;s launch" in client.get("/queue/").content.decode()

    client.logout()
    client.force_login(bob)  # a new session: bob's own workspace
    assert 'data-testid="plan-name">bob · Pro plan<' in client.get("/dashboard/").content.decode()
    assert "Alice&#x27;s launch" not in client.get("/queue/").content.decode()


def test_a_session_naming_a_workspace_one_is_not_in_falls_back_to_ones_own(
    client: Client, alice: User, bob: User
) -> None:
    work_in(client, bob, workspace_of(alice))
    page = client.get("/dashboard/").content.decode()
    assert 'data-testid="plan-name">bob · Pro plan<' in page
    assert WORKSPACE_KEY not in client.session


def test_times_show_in_the_workspace_zone(client: Client, alice: User, bob: User) -> None:
    Workspace.objects.filter(pk=workspace_of(alice).pk).update(time_zone="Asia/Tokyo")
    Workspace.objects.filter(pk=workspace_of(bob).pk).update(time_zone="Europe/Lisbon")
    join(bob, workspace_of(alice), Role.EDITOR)
    work_in(client, bob, workspace_of(alice))
    assert "Times in Asia/Tokyo" in client.get("/queue/").content.decode()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRIBUTOR])
def test_cancelling_or_rescheduling_needs_an_editor_and_changes_nothing(
    client: Client, alice: User, bob: User, role: Role
) -> None:
    post = alices_post(alice)
    at = post.scheduled_at
    join(bob, workspace_of(alice), role)
    work_in(client, bob, workspace_of(alice))

    cancel = client.post(f"/queue/{post.pk}/cancel/")
    assert cancel.status_code == 403
    assert SCHEDULE_REFUSED.format(role=role.label) in cancel.content.decode()
    later = (timezone.localtime(at) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    moved = client.post(f"/queue/{post.pk}/reschedule/", {"when": later})
    assert moved.status_code == 403
    assert unchanged(post, at)


def test_an_editor_reschedules_and_cancels(client: Client, alice: User, bob: User) -> None:
    post = alices_post(alice)
    join(bob, workspace_of(alice), Role.EDITOR)
    work_in(client, bob, workspace_of(alice))
    later = timezone.localtime(post.scheduled_at, workspace_of(alice).zone) + timedelta(hours=2)
    response = client.post(f"/queue/{post.pk}/reschedule/", {"when": later.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    assert PostTarget.objects.get(post=post).scheduled_at == later.replace(second=0, microsecond=0)

    assert client.post(f"/queue/{post.pk}/cancel/").status_code == 302
    assert PostTarget.objects.get(post=post).status == TargetStatus.CANCELLED


def test_a_contributor_writes_a_draft_in_the_workspace_as_its_author(client: Client, alice: User, bob: User) -> None:
    account = create_account(alice)
    join(bob, workspace_of(alice), Role.CONTRIBUTOR)
    work_in(client, bob, workspace_of(alice))
    response = client.post("/compose/", {"text": "Bob's idea", "accounts": [account.pk], "action": "draft"})
    assert response.status_code == 302
    post = Post.objects.get(text="Bob's idea")
    assert (post.workspace, post.author) == (workspace_of(alice), bob)


def test_a_viewer_may_not_write_a_draft(client: Client, alice: User, bob: User) -> None:
    account = create_account(alice)
    join(bob, workspace_of(alice), Role.VIEWER)
    work_in(client, bob, workspace_of(alice))
    response = client.post("/compose/", {"text": "Not mine to write", "accounts": [account.pk], "action": "draft"})
    assert response.status_code == 403
    assert "Your role in this workspace (Viewer) cannot write drafts" in response.content.decode()
    assert not Post.objects.filter(text="Not mine to write").exists()


def test_a_drop_on_the_calendar_by_a_viewer_is_a_403_with_the_reason(client: Client, alice: User, bob: User) -> None:
    post = alices_post(alice)
    target = post.targets.get()
    join(bob, workspace_of(alice), Role.VIEWER)
    work_in(client, bob, workspace_of(alice))
    later = timezone.localtime(post.scheduled_at, workspace_of(alice).zone) + timedelta(hours=3)
    response = client.post(f"/calendar/targets/{target.pk}/move/", {"at": later.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "role_too_low"
    assert unchanged(post, post.scheduled_at)


def test_a_refusal_to_htmx_is_a_403_toast(client: Client, alice: User, bob: User) -> None:
    post = alices_post(alice)
    join(bob, workspace_of(alice), Role.VIEWER)
    work_in(client, bob, workspace_of(alice))
    response = client.post(f"/queue/{post.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast == {"message": SCHEDULE_REFUSED.format(role="Viewer"), "level": "error"}
    assert Post.objects.filter(pk=post.pk).exists()


def test_another_workspaces_post_stays_out_of_reach(client: Client, alice: User, carol: User) -> None:
    post = alices_post(alice)
    client.force_login(carol)
    response = client.post(f"/queue/{post.pk}/cancel/")
    assert response.status_code == 404
    assert "No such post." in response.content.decode()
    assert unchanged(post, post.scheduled_at)
    target = post.targets.get()
    drop = client.post(f"/calendar/targets/{target.pk}/move/", {"at": "2030-01-01T09:00"})
    assert drop.status_code == 404
    assert unchanged(post, post.scheduled_at)


def test_only_an_admin_changes_the_workspace_zone(client: Client, alice: User, bob: User) -> None:
    zone = workspace_of(alice).time_zone
    assert zone != "Asia/Tokyo"
    assert workspace_of(bob).time_zone == zone
    join(bob, workspace_of(alice), Role.EDITOR)
    work_in(client, bob, workspace_of(alice))
    page = client.get("/settings/").content.decode()
    assert "Its admins choose it." in page
    response = client.post("/settings/", {"first_name": "Bob", "last_name": "", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert workspace_of(alice).time_zone == zone
    assert User.objects.get(pk=bob.pk).first_name == "Bob"  # his own profile is his to change
    refused = client.post("/getting-started/time-zone/", {"time_zone": "Asia/Tokyo"})
    assert refused.status_code == 403
    assert escape("cannot change the workspace's settings; it needs Admin or above.") in refused.content.decode()

    Membership.objects.filter(workspace=workspace_of(alice), user=bob).update(role=Role.ADMIN)
    response = client.post("/settings/", {"first_name": "Bob", "last_name": "", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert workspace_of(alice).time_zone == "Asia/Tokyo"
    assert workspace_of(bob).time_zone == zone
