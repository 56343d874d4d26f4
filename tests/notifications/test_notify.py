import pytest

from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.notifications.models import Notification, NotificationType
from tidings.notifications.services import mark_read, notify, unread_count
from tidings.workspaces.plan import set_tier_limits
from tidings.workspaces.roles import Action, Role

pytestmark = pytest.mark.django_db


def send(user: User, key: str | None) -> Notification | None:
    """A post-failed notice in the person's own workspace (where they are its one member): theirs, or None."""
    made = notify(
        workspace_of(user),
        audience=Action.SCHEDULE,
        type=NotificationType.POST_FAILED,
        title="Failed",
        message="It failed",
        dedupe_key=key,
    )
    assert len(made) <= 1
    return made[0] if made else None


def test_a_repeat_alert_in_the_same_period_is_not_created_twice(alice: User) -> None:
    assert send(alice, "post_failed:target-1") is not None
    assert send(alice, "post_failed:target-1") is None
    assert send(alice, "post_failed:target-2") is not None
    assert Notification.objects.filter(user=alice).count() == 2


def test_dedupe_keys_are_per_user(alice: User, bob: User) -> None:
    assert send(alice, "k") is not None
    assert send(bob, "k") is not None


def test_dedupe_keys_are_kept_per_workspace(alice: User) -> None:
    made = send(alice, "k")
    assert made is not None
    assert (made.dedupe_key, made.workspace) == (f"{workspace_of(alice).pk}:k", workspace_of(alice))


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


def test_only_the_members_the_event_concerns_are_told(alice: User, bob: User, carol: User) -> None:
    set_tier_limits(workspace_of(alice), overrides={"members": 5})
    join(bob, workspace_of(alice), Role.EDITOR)
    join(carol, workspace_of(alice), Role.VIEWER)
    made = notify(
        workspace_of(alice),
        audience=Action.SCHEDULE,
        type=NotificationType.POST_FAILED,
        title="Failed",
        message="It failed",
    )
    assert sorted(n.user.username for n in made) == ["alice", "bob"]
    # An account to reconnect is for those who may connect accounts: the owner here, not the editor.
    made = notify(
        workspace_of(alice),
        audience=Action.CONNECT,
        type=NotificationType.ACCOUNT_RECONNECT,
        title="Reconnect",
        message="Sign in again",
    )
    assert [n.user.username for n in made] == ["alice"]


def test_also_reaches_a_member_whose_role_is_not_the_audience(alice: User, carol: User, bob: User) -> None:
    set_tier_limits(workspace_of(alice), overrides={"members": 5})
    join(carol, workspace_of(alice), Role.VIEWER)
    made = notify(
        workspace_of(alice),
        audience=Action.SCHEDULE,
        type=NotificationType.POST_FAILED,
        title="Failed",
        message="It failed",
        also=carol,
    )
    assert sorted(n.user.username for n in made) == ["alice", "carol"]
    # Someone who is not a member is never told, `also` or not.
    made = notify(
        workspace_of(alice),
        audience=Action.SCHEDULE,
        type=NotificationType.POST_FAILED,
        title="Failed",
        message="Again",
        also=bob,
    )
    assert [n.user.username for n in made] == ["alice"]
    assert not Notification.objects.filter(user=bob).exists()
