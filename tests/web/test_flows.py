"""The pages a person uses every day, through Django's test client."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post
from tests.support.states import bring_to
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation
from tidings.notifications.models import Notification, NotificationType
from tidings.notifications.services import notify
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """Sign-up and reset throttles count in the process's cache, which outlives each test's transaction."""
    cache.clear()


def test_sign_up_creates_a_free_user_in_their_time_zone_and_signs_in(client: Client, settings) -> None:
    settings.TIDINGS_SIGNUP = "open"
    response = client.post(
        "/signup/",
        {
            "username": "dana",
            "email": "dana@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "time_zone": "Europe/Berlin",
        },
    )
    assert response.status_code == 302
    dana = User.objects.get(username="dana")
    assert (workspace_of(dana).tier, workspace_of(dana).time_zone, workspace_of(dana).credits) == (
        "free",
        "Europe/Berlin",
        10,
    )
    assert 'data-testid="credits-available">10</strong>' in client.get("/dashboard/").content.decode()


def test_sign_up_with_a_mismatched_password_creates_nobody(client: Client) -> None:
    client.post("/signup/", {"username": "dana", "email": "d@example.com", "password1": PASSWORD, "password2": "x"})
    assert not User.objects.filter(username="dana").exists()


def test_password_reset_sends_a_link_by_email(client: Client, alice: User) -> None:
    User.objects.filter(pk=alice.pk).update(email="alice@example.com")
    response = client.post("/password-reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/password-reset/" in mail.outbox[0].body


def test_composing_schedules_in_the_users_time_zone(client: Client, bob: User) -> None:
    Workspace.objects.filter(personal_owner=bob).update(time_zone="America/New_York")
    account = create_account(bob, Platform.MASTODON)
    client.force_login(bob)
    local = (timezone.now() + timedelta(days=2)).astimezone(ZoneInfo("America/New_York"))
    response = client.post(
        "/compose/",
        {"text": "Hello", "accounts": [account.pk], "when": local.strftime("%Y-%m-%dT%H:%M"), "action": "schedule"},
    )
    assert response.status_code == 302
    target = Post.objects.get(workspace=workspace_of(bob)).targets.get()
    assert target.status == TargetStatus.SCHEDULED
    assert target.scheduled_at is not None
    assert target.scheduled_at == local.replace(second=0, microsecond=0)


def test_a_refused_schedule_keeps_the_draft_and_explains(client: Client, alice: User) -> None:
    account = create_account(alice)
    for day in range(5):
        create_scheduled_post(alice, [account], days=day)
    client.force_login(alice)
    local = (timezone.now() + timedelta(days=6)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/compose/", {"text": "Sixth", "accounts": [account.pk], "when": local, "action": "schedule"}, follow=True
    )
    page = response.content.decode()
    assert "Your queue of scheduled posts is full: 5 of 5 used on the Free plan." in page
    assert "kept as a draft" in page
    sixth = Post.objects.get(workspace=workspace_of(alice), text="Sixth")
    assert sixth.targets.get().status == TargetStatus.DRAFT
    assert CreditReservation.objects.filter(workspace=workspace_of(alice)).count() == 5


def test_a_time_skipped_by_dst_is_refused_and_kept_as_a_draft(client: Client, bob: User) -> None:
    Workspace.objects.filter(personal_owner=bob).update(time_zone="Europe/Berlin")
    account = create_account(bob)
    client.force_login(bob)
    response = client.post(
        "/compose/",
        {"text": "Spring", "accounts": [account.pk], "when": "2027-03-28T02:30", "action": "schedule"},
        follow=True,
    )
    assert "does not exist in Europe/Berlin" in response.content.decode()
    assert Post.objects.get(workspace=workspace_of(bob)).targets.get().status == TargetStatus.DRAFT


def test_previews_count_per_platform(client: Client, bob: User) -> None:
    accounts = [create_account(bob, Platform.BLUESKY), create_account(bob, Platform.X)]
    client.force_login(bob)
    page = client.post("/compose/preview/", {"text": "a" * 290, "accounts": [a.pk for a in accounts]}).content.decode()
    assert "290 / 300" in page
    assert "290 / 280" in page
    # X takes it as a thread of two posts, so nothing is refused there.
    assert page.count('data-testid="preview-problem"') == 0
    linkedin = create_account(bob, Platform.LINKEDIN)
    page = client.post("/compose/preview/", {"text": "word " * 700, "accounts": [linkedin.pk]}).content.decode()
    assert "3500 / 3000" in page
    assert page.count('data-testid="preview-problem"') == 1


def test_queue_actions_touch_only_the_users_own_posts(client: Client, alice: User, bob: User) -> None:
    post = create_scheduled_post(bob, [create_account(bob)])
    client.force_login(alice)
    response = client.post(f"/queue/{post.pk}/cancel/", follow=True)
    assert "No such post." in response.content.decode()
    assert post.targets.get().status == TargetStatus.SCHEDULED
    client.force_login(bob)
    client.post(f"/queue/{post.pk}/cancel/")
    assert post.targets.get().status == TargetStatus.CANCELLED


def test_the_bell_counts_unread_and_mark_read_clears_it(client: Client, bob: User) -> None:
    notify(
        workspace_of(bob),
        audience=Action.SCHEDULE,
        type=NotificationType.POST_FAILED,
        title="Failed",
        message="It failed",
    )
    client.force_login(bob)
    assert 'data-testid="unread-count" aria-hidden="true">1<' in client.get("/dashboard/").content.decode()
    client.post("/notifications/read/")
    assert "unread-count" not in client.get("/notifications/").content.decode()
    assert Notification.objects.get(user=bob).read_at is not None


def test_settings_choose_email_notifications(client: Client, bob: User) -> None:
    User.objects.filter(pk=bob.pk).update(email="bob@example.com")
    client.force_login(bob)
    client.post("/settings/", {"time_zone": "Asia/Tokyo"})
    client.post("/settings/notifications/", {"email_types": ["post_failed"]})
    bob.refresh_from_db()
    assert workspace_of(bob).time_zone == "Asia/Tokyo"
    assert bob.notification_preferences == {"email": ["post_failed"]}


def test_pages_need_a_login(client: Client) -> None:
    for page in ("/dashboard/", "/compose/", "/queue/", "/calendar/", "/notifications/", "/plan/", "/settings/"):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_a_failed_target_can_be_retried_from_the_queue(client: Client, bob: User) -> None:
    post = create_scheduled_post(bob, [create_account(bob)])
    target = post.targets.get()
    bring_to(target, TargetStatus.FAILED, reason="Server trouble")
    client.force_login(bob)
    assert "Retry</button>" in client.get("/queue/").content.decode()
    client.post(f"/queue/targets/{target.pk}/retry/")
    target.refresh_from_db()
    assert (target.status, target.dispatch_round) == (TargetStatus.SCHEDULED, 1)
    assert CreditReservation.objects.filter(target=target, status="pending").count() == 1


def test_a_scheduled_post_can_be_edited_and_keeps_its_time(client: Client, bob: User) -> None:
    account = create_account(bob)
    post = create_scheduled_post(bob, [account], text="Typo hre")
    before = post.targets.get().scheduled_at
    client.force_login(bob)
    assert "Typo hre" in client.get(f"/posts/{post.pk}/edit/").content.decode()
    client.post(f"/posts/{post.pk}/edit/", {"text": "Typo here", "link": "", "accounts": [account.pk]})
    post.refresh_from_db()
    assert post.text == "Typo here"
    assert post.targets.get().scheduled_at == before
    assert post.targets.get().status == TargetStatus.SCHEDULED


def test_another_users_post_cannot_be_edited(client: Client, alice: User, bob: User) -> None:
    post = create_scheduled_post(bob, [create_account(bob)], text="Mine")
    client.force_login(alice)
    client.post(f"/posts/{post.pk}/edit/", {"text": "Hijacked", "accounts": []})
    post.refresh_from_db()
    assert post.text == "Mine"
