"""Admin actions call the services: a workspace's credits adjusted with a ledger entry, its plan changed, post
cancelled, target sent again; a refusal is reported and changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.admin.conftest import ended_target, run_action
from tests.conftest import create_account, create_scheduled_post
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.credits.services import ledger_balance
from tidings.platforms.models import Platform
from tidings.posts.models import TargetStatus
from tidings.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
WORKSPACES = "/admin/workspaces/workspace/"


def test_adjusting_credits_asks_for_amount_and_reason_then_writes_one_ledger_row(
    staff_client: Client, alice: User
) -> None:
    form = run_action(staff_client, WORKSPACES, "adjust_credits_action", [workspace_of(alice).pk])
    assert form.status_code == 200
    assert 'name="amount"' in form.content.decode()
    assert 'name="reason"' in form.content.decode()
    assert CreditLedgerEntry.objects.filter(workspace=workspace_of(alice), balance="credits").count() == 1

    done = run_action(
        staff_client,
        WORKSPACES,
        "adjust_credits_action",
        [workspace_of(alice).pk],
        apply="1",
        amount="5",
        reason="Goodwill for outage",
    )
    assert done.status_code == 302
    entry = CreditLedgerEntry.objects.filter(workspace=workspace_of(alice), balance="credits").last()
    assert entry is not None
    assert (entry.kind, entry.amount, entry.balance_after, entry.reason) == (
        LedgerKind.ADJUST,
        5,
        15,
        "Goodwill for outage",
    )
    assert workspace_of(alice).credits == 15 == ledger_balance(workspace_of(alice))


def test_an_adjustment_without_a_reason_is_asked_again(staff_client: Client, alice: User) -> None:
    page = run_action(
        staff_client, WORKSPACES, "adjust_credits_action", [workspace_of(alice).pk], apply="1", amount="5", reason=""
    )
    assert page.status_code == 200
    assert "This field is required" in page.content.decode()
    assert CreditLedgerEntry.objects.filter(workspace=workspace_of(alice), balance="credits").count() == 1


def test_taking_away_reserved_credits_is_refused_and_changes_nothing(staff_client: Client, alice: User) -> None:
    create_scheduled_post(alice, [create_account(alice)])
    done = run_action(
        staff_client, WORKSPACES, "adjust_credits_action", [workspace_of(alice).pk], apply="1", amount="-10", reason="x"
    )
    assert done.status_code == 302
    messages = [str(m) for m in staff_client.get(WORKSPACES).context["messages"]]
    assert messages == ["alice's workspace: Cannot remove 10 credits: only 9 are not held by scheduled posts."]
    assert workspace_of(alice).credits == 10
    assert CreditLedgerEntry.objects.filter(workspace=workspace_of(alice), kind=LedgerKind.ADJUST).count() == 0


def test_changing_the_plan(staff_client: Client, alice: User, bob: User) -> None:
    chosen = [workspace_of(alice).pk, workspace_of(bob).pk]
    run_action(staff_client, WORKSPACES, "change_tier_action", chosen, apply="1", tier="business")
    assert set(Workspace.objects.filter(pk__in=chosen).values_list("tier", flat=True)) == {"business"}
    assert workspace_of(alice).credits == 10  # the new plan's credits arrive at the next renewal


def test_editing_a_workspace_keeps_a_balance_that_moved_meanwhile(staff_client: Client, alice: User) -> None:
    from tidings.credits.services import grant_credits

    workspace = workspace_of(alice)
    url = reverse("admin:workspaces_workspace_change", args=[workspace.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"name": "Alice's bakery", "tier_limits": '{"queue_size": 7}', "time_zone": "Europe/Paris"})
    data.pop("personal_owner", None)
    data.pop("posts_need_approval", None)
    data.update({"memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1"})
    data["memberships-0-id"] = str(workspace.memberships.get().pk)
    data["memberships-0-workspace"] = str(workspace.pk)
    grant_credits(workspace, amount=3, reason="Meanwhile")
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    workspace = workspace_of(alice)
    assert (workspace.name, workspace.tier_limits, workspace.time_zone, workspace.credits) == (
        "Alice's bakery",
        {"queue_size": 7},
        "Europe/Paris",
        13,
    )
    assert ledger_balance(workspace) == 13


def test_adding_a_user_grants_the_first_months_credits(staff_client: Client) -> None:
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "dave",
            "password1": "a long pass phrase 42",
            "password2": "a long pass phrase 42",
            # The memberships inline, empty: a new person's own workspace comes with them.
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    dave = User.objects.get(username="dave")
    assert dave.check_password("a long pass phrase 42")
    assert list(workspace_of(dave).ledger.values_list("kind", "balance", "amount")) == [
        ("grant", "credits", 10),
        ("grant", "video_credits", 2),
    ]
    assert workspace_of(dave).credits == 10
    assert list(dave.memberships.values_list("workspace__personal_owner", "role")) == [(dave.pk, "owner")]


def test_cancelling_a_post_releases_its_credits(staff_client: Client, bob: User) -> None:
    post = create_scheduled_post(bob, [create_account(bob, n=1), create_account(bob, n=2)])
    assert available_credits(workspace_of(bob)) == 498
    run_action(staff_client, "/admin/posts/post/", "cancel_action", [post.pk])
    assert set(post.targets.values_list("status", flat=True)) == {TargetStatus.CANCELLED}
    assert available_credits(workspace_of(bob)) == 500
    assert not CreditReservation.objects.filter(workspace=workspace_of(bob), status=ReservationStatus.PENDING).exists()


def test_sending_a_failed_target_again_is_a_new_round_with_a_credit(staff_client: Client, alice: User) -> None:
    account = create_account(alice, Platform.WEBHOOK)
    target = ended_target(alice, account, TargetStatus.FAILED)
    assert available_credits(workspace_of(alice)) == 10

    response = run_action(staff_client, "/admin/posts/posttarget/", "retry_action", [target.pk])

    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.status, target.dispatch_round, target.error) == (TargetStatus.SCHEDULED, 1, "")
    assert target.workflow_id == f"publish-{target.pk}-1"
    assert CreditReservation.objects.filter(target=target, status=ReservationStatus.PENDING).count() == 1
    assert available_credits(workspace_of(alice)) == 9
    messages = [str(m) for m in staff_client.get("/admin/posts/posttarget/").context["messages"]]
    assert messages == [f"Target {target.pk} (webhook, failed): scheduled again as publish-{target.pk}-1."]
