"""`tidings seed-demo`: a user per plan with demo accounts, posts in every state and every kind of notification;
nothing that could ever publish; a second run changes nothing."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.support.workspaces import workspace_of
from tidings.accounts.demo import DEMO_USERS, seed_demo
from tidings.accounts.models import User
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.credits.services import ledger_balance
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.posts.models import IN_FLIGHT, Post, PostTarget, TargetStatus
from tidings.usage.models import DailyUsage
from tidings.workspaces.models import Membership, Workspace

pytestmark = pytest.mark.django_db
STATES = {"draft", "scheduled", "published", "failed", "skipped", "cancelled", "unconfirmed"}


def snapshot() -> dict[str, Any]:
    tables: dict[str, Any] = {
        "users": User.objects.exclude(username="alice").values_list("username", "password", "is_demo"),
        "workspaces": Workspace.objects.exclude(personal_owner__username="alice").values_list(
            "personal_owner__username", "tier", "credits", "last_credit_reset"
        ),
        "memberships": Membership.objects.values_list("workspace_id", "user_id", "role"),
        "accounts": SocialAccount.objects.values_list("pk", "workspace_id", "status", "base_url", "updated_at"),
        "posts": Post.objects.values_list("pk", "text", "scheduled_at", "updated_at"),
        "targets": PostTarget.objects.values_list("pk", "status", "scheduled_at", "error", "updated_at"),
        "reservations": CreditReservation.objects.values_list("pk", "status"),
        "ledger": CreditLedgerEntry.objects.values_list("pk", "amount"),
        "notifications": Notification.objects.values_list("pk", "type", "read_at"),
        "usage": DailyUsage.objects.values_list("pk", "count"),
    }
    return {name: sorted(rows) for name, rows in tables.items()}


def test_every_plan_every_state_every_notification() -> None:
    report = seed_demo(password="demo password 1")

    assert report.created == ["demo-free (free)", "demo-pro (pro)", "demo-business (business)"]
    for username, tier in DEMO_USERS.items():
        user = User.objects.get(username=username)
        workspace = workspace_of(user)
        assert (workspace.tier, user.is_demo) == (tier, True)
        assert user.check_password("demo password 1")
        statuses = set(PostTarget.objects.filter(post__workspace=workspace).values_list("status", flat=True))
        assert statuses == STATES
        types = set(Notification.objects.filter(user=user, workspace=workspace).values_list("type", flat=True))
        assert types == set(NotificationType.values)
        assert ledger_balance(workspace) == workspace.credits
        assert set(Post.objects.filter(workspace=workspace).values_list("author", flat=True)) == {user.pk}
    accounts = SocialAccount.objects.filter(workspace__personal_owner__is_demo=True)
    assert accounts.count() == 6
    assert accounts.filter(status=AccountStatus.RECONNECT_NEEDED).count() == 2
    assert all(a.base_url.startswith("https://demo.invalid/") for a in accounts)


def test_nothing_can_ever_be_sent() -> None:
    seed_demo(password="demo password 1")
    targets = PostTarget.objects.filter(post__workspace__personal_owner__is_demo=True)
    assert not targets.filter(status__in=IN_FLIGHT).exists()
    soonest = min(t.scheduled_at for t in targets.filter(status=TargetStatus.SCHEDULED))
    assert soonest > timezone.now() + timedelta(days=300)
    for published in targets.filter(status=TargetStatus.PUBLISHED):
        assert published.external_url.startswith("https://demo.invalid/")
        assert published.external_id.startswith("demo-")
    assert targets.get(
        status=TargetStatus.FAILED, post__workspace__personal_owner__username="demo-pro"
    ).error.startswith("Demo:")


def test_a_second_run_changes_nothing(alice: User) -> None:
    seed_demo(password="demo password 1")
    before = snapshot()
    report = seed_demo(password="demo password 1")
    assert report.created == []
    assert report.kept == ["demo-free (free)", "demo-pro (pro)", "demo-business (business)"]
    assert snapshot() == before


def test_a_second_run_puts_back_what_changed() -> None:
    seed_demo(password="demo password 1")
    free = User.objects.get(username="demo-free")
    Workspace.objects.filter(personal_owner=free).update(tier="pro")
    Post.objects.filter(workspace=workspace_of(free), text__startswith="Demo draft").delete()
    seed_demo(password="another password 2")
    free.refresh_from_db()
    assert workspace_of(free).tier == "free"
    assert free.check_password("another password 2")
    assert Post.objects.filter(workspace=workspace_of(free), text__startswith="Demo draft").count() == 1


def test_the_command_prints_the_password(settings, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", "--password", "pw for demo 3")
    out = capsys.readouterr().out
    assert "created demo-free (free)" in out
    assert "have the password: pw for demo 3" in out
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "kept demo-business (business)" in out
    assert (tmp_path / "demo_password").read_text().strip() in out
