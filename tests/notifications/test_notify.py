import pytest

from tidings.accounts.models import User
from tidings.notifications.models import Notification, NotificationType
from tidings.notifications.services import mark_read, notify, unread_count

pytestmark = pytest.mark.django_db


def send(user: User, key: str | None) -> Notification | None:
    return notify(user, type=NotificationType.POST_FAILED, title="Failed", message="It failed", dedupe_key=key)


def test_a_repeat_alert_in_the_same_period_is_not_created_twice(alice: User) -> None:
    assert send(alice, "post_failed:target-1") is not None
    assert send(alice, "post_failed:target-1") is None
    assert send(alice, "post_failed:target-2") is not None
    assert Notification.objects.filter(user=alice).count() == 2


def test_dedupe_keys_are_per_user(alice: User, bob: User) -> None:
    assert send(alice, "k") is not None
    assert send(bob, "k") is not None


def test_notifications_without_a_key_are_never_deduplicated(alice: User) -> None:
    send(alice, None)
    send(alice, None)
    assert Notification.objects.filter(user=alice).count() == 2


def test_unread_count_and_mark_read_touch_only_the_owners_rows(alice: User, bob: User) -> None:
    first, second = send(alice, "a"), send(alice, "b")
    bobs = send(bob, "a")
    assert first is not None
    assert second is not None
    assert bobs is not None
    assert unread_count(alice) == 2
    assert mark_read(alice, notification_ids=[first.pk, bobs.pk]) == 1
    assert unread_count(alice) == 1
    assert unread_count(bob) == 1
    assert mark_read(alice) == 1
    assert unread_count(alice) == 0
    assert mark_read(alice) == 0
