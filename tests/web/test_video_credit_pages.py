"""Video credits where people look: the dashboard, the plan page, the composer, the admin and the demo users."""

import pytest
from django.test import Client

from tests.admin.conftest import run_action
from tests.support.workspaces import workspace_of
from tidings.accounts.demo import DEMO_USERS, seed_demo
from tidings.accounts.models import User
from tidings.credits.models import CreditLedgerEntry, LedgerKind
from tidings.credits.services import ledger_balance
from tidings.tiers.plans import PLANS, Limit

pytestmark = pytest.mark.django_db
WORKSPACES = "/admin/workspaces/workspace/"


def test_the_dashboard_plan_and_composer_show_both_balances(client: Client, bob: User) -> None:
    client.force_login(bob)
    dashboard = client.get("/dashboard/").content.decode()
    assert 'data-testid="video-credits-available">30<' in dashboard
    assert 'data-testid="credits-available">500<' in dashboard
    plan = client.get("/plan/").content.decode()
    assert 'data-testid="video_credits-available">30<' in plan
    assert 'aria-label="Video credits: 0 used, 0 reserved, 30 available"' in plan
    assert '<span class="d-block">Video credits each month</span>' in plan
    assert '<td class="text-end plan-yours fw-bold">30</td>' in plan
    compose = client.get("/compose/").content.decode()
    assert "one credit (500 available)" in compose
    assert "video credit (30 available) when the media includes a video" in compose


def test_staff_adjust_video_credits_with_a_reason_on_the_ledger(admin_client: Client, bob: User) -> None:
    done = run_action(
        admin_client,
        WORKSPACES,
        "adjust_credits_action",
        [workspace_of(bob).pk],
        apply="1",
        balance="video_credits",
        amount="-5",
        reason="Refunded clip",
    )
    assert done.status_code == 302
    entry = CreditLedgerEntry.objects.filter(workspace=workspace_of(bob)).last()
    assert entry is not None
    assert (entry.kind, entry.balance, entry.amount, entry.balance_after, entry.reason) == (
        LedgerKind.ADJUST,
        "video_credits",
        -5,
        25,
        "Refunded clip",
    )
    assert (workspace_of(bob).credits, workspace_of(bob).video_credits) == (500, 25)
    assert ledger_balance(workspace_of(bob), "video_credits") == 25


def test_demo_users_have_their_plans_video_credits_and_a_second_seed_changes_nothing() -> None:
    seed_demo(password="demo password 1")
    seed_demo(password="demo password 1")
    for username, tier in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert (
            workspace_of(user).video_credits
            == PLANS[tier][Limit.MONTHLY_VIDEO_CREDITS]
            == ledger_balance(workspace_of(user), "video_credits")
        )
