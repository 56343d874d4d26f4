"""Notifications: the page and the bell's dropdown, marking read (htmx answers with the part that changed and the
bell's new count), and each notification leading to what it is about, as that is now."""

import re

import pytest
from django.test import Client

from tests.conftest import create_account, create_scheduled_post
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.automation.models import AutomationRule
from tidings.notifications.models import Notification, NotificationType
from tidings.notifications.services import notify, unread_count
from tidings.posts.services import delete_post, unschedule_post
from tidings.workspaces.roles import Action

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def note(user: User, kind: NotificationType = NotificationType.LOW_CREDITS, **data: object) -> Notification:
    [made] = notify(
        workspace_of(user),
        audience=Action.VIEW,
        type=kind,
        title=f"About {kind}",
        message="Something happened.",
        data=data,
    )
    return made


def bell(body: str) -> str:
    """The bell's face as an out-of-band swap carries it."""
    found = re.search(r'hx-swap-oob="innerHTML:.bell > a.nav-link">(.*?)</div>', body, re.S)
    assert found is not None, body
    return found.group(1)


def test_the_page_lists_the_users_own_with_links_and_counts(client: Client, alice: User, bob: User) -> None:
    note(alice)
    second = note(alice, NotificationType.ACCOUNT_RECONNECT, account_id=7)
    note(bob)
    client.force_login(alice)
    page = client.get("/notifications/").content.decode()
    assert page.count('data-testid="notification"') == 2
    assert f'href="/notifications/{second.pk}/open/" class="btn btn-sm"' in page
    assert ">Reconnect<" in page
    assert ">See your credits<" in page
    assert 'data-testid="unread-count" aria-hidden="true">2<' in page
    assert "Notifications, 2 unread" in page
    unread = client.get("/notifications/?show=unread").content.decode()
    assert unread.count('data-testid="notification"') == 2


def test_the_dropdown_shows_the_latest_six(client: Client, alice: User) -> None:
    for _ in range(8):
        note(alice)
    client.force_login(alice)
    menu = client.get("/notifications/?menu=1").content.decode()
    assert menu.count('data-testid="menu-notification"') == 6
    assert "Notifications, 8 unread" in bell(menu)


def test_marking_one_read_in_the_dropdown_answers_the_dropdown_and_the_bell(client: Client, alice: User) -> None:
    first, second = note(alice), note(alice)
    client.force_login(alice)
    response = client.post("/notifications/read/", {"id": first.pk, "menu": "1"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="notifications-menu"' in body
    assert body.count('data-testid="menu-mark-read"') == 1
    assert 'data-testid="unread-count" aria-hidden="true">1<' in bell(body)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_mark_all_read_on_the_page_swaps_the_list_and_empties_the_bell(client: Client, alice: User, bob: User) -> None:
    note(alice)
    note(alice)
    bobs = note(bob)
    client.force_login(alice)
    body = client.post("/notifications/read/", {"show": "all"}, **HTMX).content.decode()
    assert '<div id="notification-list">' in body
    assert "unread-count" not in bell(body)
    assert "Notifications</span>" in bell(body)
    assert unread_count(alice) == 0
    assert unread_count(bob) == 1
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_without_htmx_marking_read_goes_back(client: Client, alice: User) -> None:
    one = note(alice)
    client.force_login(alice)
    response = client.post("/notifications/read/", {"id": one.pk, "next": "/dashboard/"})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    away = client.post("/notifications/read/", {"next": "https://evil.example/"})
    assert away["Location"] == "/notifications/"


def open_(client: Client, notification: Notification) -> str:
    response = client.get(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
    return response["Location"]


def test_a_post_notification_leads_to_the_post_as_it_is_now(client: Client, bob: User) -> None:
    account = create_account(bob)
    post = create_scheduled_post(bob, [account])
    target = bring_to(post.targets.get(), "failed")
    failed = Notification.objects.get(user=bob, type=NotificationType.POST_FAILED)
    client.force_login(bob)
    assert open_(client, failed) == f"/queue/?post={target.post_id}#target-{target.pk}"

    unschedule_post(owner(bob), post.pk)  # back to drafts: now it is changed in the composer
    assert open_(client, failed) == f"/posts/{post.pk}/edit/"

    delete_post(owner(bob), post.pk)
    assert open_(client, failed) == "/queue/"
    assert "That post has since been deleted." in client.get("/queue/").content.decode()


def test_a_send_in_doubt_leads_to_where_it_is_settled(client: Client, bob: User) -> None:
    account = create_account(bob)
    target = bring_to(create_scheduled_post(bob, [account]).targets.get(), "unconfirmed")
    doubt = Notification.objects.get(user=bob, dedupe_key__startswith=f"{workspace_of(bob).pk}:unconfirmed:")
    client.force_login(bob)
    page = client.get("/notifications/").content.decode()
    assert "Say whether it went out" in page
    assert open_(client, doubt) == f"/queue/?post={target.post_id}#target-{target.pk}"


def test_each_kind_leads_to_its_page(client: Client, bob: User) -> None:
    rule = AutomationRule.objects.create(workspace=workspace_of(bob), name="Weekly", schedule="0 9 * * 1")
    client.force_login(bob)
    cases = {
        note(bob, NotificationType.LOW_CREDITS, balance="credits"): "/plan/#credits",
        note(bob, NotificationType.CREDITS_EXPIRING): "/plan/#credits",
        note(bob, NotificationType.TIER_LIMIT_REACHED, limit_name="queue_size"): "/plan/#limit-queue_size",
        note(bob, NotificationType.TIER_LIMIT_REACHED): "/plan/#limits",
        note(bob, NotificationType.ACCOUNT_RECONNECT, account_id=12): "/connections/#account-12",
        note(bob, NotificationType.RULE_FAILED, rule_id=rule.pk): f"/automation/{rule.pk}/",
        note(bob, NotificationType.RULE_FAILED, rule_id=rule.pk + 100): "/automation/",
        note(bob, NotificationType.POST_FAILED): "/queue/?show=problems",
    }
    for notification, expected in cases.items():
        assert open_(client, notification) == expected, notification.type


def test_another_users_notification_cannot_be_opened_or_marked(client: Client, alice: User, bob: User) -> None:
    bobs = note(bob)
    client.force_login(alice)
    assert client.get(f"/notifications/{bobs.pk}/open/").status_code == 404
    client.post("/notifications/read/", {"id": bobs.pk})
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_the_page_pages_and_says_when_all_is_read(client: Client, alice: User) -> None:
    for _ in range(30):
        note(alice)
    client.force_login(alice)
    first = client.get("/notifications/").content.decode()
    assert first.count('data-testid="notification"') == 25
    assert "Page 1 of 2" in first
    second = client.get("/notifications/?page=2").content.decode()
    assert second.count('data-testid="notification"') == 5
    client.post("/notifications/read/")
    assert "All caught up" in client.get("/notifications/?show=unread").content.decode()
