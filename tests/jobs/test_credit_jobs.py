"""The credit jobs and their crons, driven through DBOS's own scheduler: a backfill enqueues exactly the runs the
live scheduler would have made in a window, with the same workflow ids and tick times, so time can be travelled
without touching the clock the workers run on."""

import json
from datetime import UTC, datetime

import pytest
from dbos import DBOS
from django.core.management import CommandError, call_command

from tests.conftest import make_user
from tests.jobs.conftest import wait_for
from tests.support.credits import hold_credits
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.jobs.models import JobLog
from tidings.jobs.workflows import credits as credit_jobs
from tidings.notifications.models import Notification, NotificationType
from tidings.tiers.plans import Tier
from tidings.workspaces.models import Workspace
from tidings.workspaces.plan import change_tier

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


def set_cycle(user: User, *, anchor: datetime, last: datetime, next_reset: datetime) -> None:
    """Move the cycle of the person's own workspace."""
    Workspace.objects.filter(pk=workspace_of(user).pk).update(
        credit_cycle_anchor=anchor, last_credit_reset=last, next_credit_reset=next_reset
    )


def backfill(schedule: str, start: datetime, end: datetime) -> list[str]:
    handles = DBOS.backfill_schedule(schedule, start, end)
    for handle in handles:
        handle.get_result()
    return [handle.get_workflow_id() for handle in handles]


def tick_times(workflow_ids: list[str], schedule: str) -> list[datetime]:
    return [datetime.fromisoformat(wid.removeprefix(f"sched-{schedule}-")) for wid in workflow_ids]


def test_the_crons_are_registered_as_configured() -> None:
    schedules = {s["schedule_name"]: s for s in DBOS.list_schedules()}
    assert schedules["credits-check-expiry"]["schedule"] == "0 9 * * *"
    assert schedules["credits-check-expiry"]["cron_timezone"] == "Africa/Johannesburg"
    assert schedules["credits-reset-monthly"]["schedule"] == "5 * * * *"
    assert schedules["cleanup-finished-workflows"]["schedule"] == "30 3 * * *"
    assert schedules["dispatch-due-posts"]["schedule"] == "*/1 * * * * *"
    assert {s["workflow_name"] for s in schedules.values()} >= {
        "credits/check.expiry",
        "credits/reset.monthly",
        "post/dispatch",
        "maintenance/cleanup",
    }


def test_the_expiry_check_runs_daily_at_nine_in_johannesburg_and_warns_once() -> None:
    bob = make_user("bob", Tier.PRO)
    # Renews 3 March 2027 at 10:00 UTC with 500 unused credits, 250 over the carryover cap.
    set_cycle(
        bob,
        anchor=datetime(2027, 2, 3, 10, tzinfo=UTC),
        last=datetime(2027, 2, 3, 10, tzinfo=UTC),
        next_reset=datetime(2027, 3, 3, 10, tzinfo=UTC),
    )

    runs = backfill("credits-check-expiry", datetime(2027, 2, 26, tzinfo=UTC), datetime(2027, 3, 3, tzinfo=UTC))

    ticks = tick_times(runs, "credits-check-expiry")
    assert [t.astimezone(UTC).isoformat() for t in ticks] == [
        f"2027-0{month}-{day:02d}T07:00:00+00:00" for month, day in [(2, 26), (2, 27), (2, 28), (3, 1), (3, 2)]
    ]
    assert all(t.utcoffset() is not None and t.hour == 9 for t in ticks)  # 09:00 local, +02:00
    warnings = Notification.objects.filter(user=bob, type=NotificationType.CREDITS_EXPIRING, data__balance="credits")
    assert warnings.count() == 1
    assert warnings.get().data["expiring"] == 250
    assert JobLog.objects.filter(event="credits/check.expiry", status="completed").count() == 5


def test_monthly_renewal_at_month_end_happens_once_and_keeps_the_cycle_day() -> None:
    bob = make_user("bob", Tier.PRO)
    anchor = datetime(2027, 1, 31, 10, tzinfo=UTC)
    set_cycle(bob, anchor=anchor, last=anchor, next_reset=datetime(2027, 2, 28, 10, tzinfo=UTC))
    held = hold_credits(bob, 100)

    backfill("credits-reset-monthly", datetime(2027, 2, 28, 8, tzinfo=UTC), datetime(2027, 2, 28, 13, tzinfo=UTC))

    assert workspace_of(bob).last_credit_reset == datetime(2027, 2, 28, 10, tzinfo=UTC)
    assert workspace_of(bob).next_credit_reset == datetime(2027, 3, 31, 10, tzinfo=UTC)
    # 400 unreserved: 250 carried, 150 expired; 100 stay reserved; plus 500 new.
    assert workspace_of(bob).credits == 500 + 250 + 100
    kinds = list(
        CreditLedgerEntry.objects.filter(workspace=workspace_of(bob), balance="credits")
        .order_by("pk")
        .values_list("kind", "amount")
    )
    assert kinds == [(LedgerKind.GRANT, 500), (LedgerKind.EXPIRE, -150), (LedgerKind.RENEWAL, 500)]
    reservation = CreditReservation.objects.get(target=held)
    assert (reservation.status, reservation.amount) == (ReservationStatus.PENDING, 100)
    assert reservation.cycle_start == anchor

    backfill("credits-reset-monthly", datetime(2027, 3, 31, 8, tzinfo=UTC), datetime(2027, 3, 31, 12, tzinfo=UTC))

    assert workspace_of(bob).last_credit_reset == datetime(2027, 3, 31, 10, tzinfo=UTC)
    assert (
        CreditLedgerEntry.objects.filter(
            workspace=workspace_of(bob), kind=LedgerKind.RENEWAL, balance="credits"
        ).count()
        == 2
    )


def test_the_renewal_job_renews_every_due_workspace_across_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(credit_jobs, "BATCH", 2)
    users = [make_user(f"user{n}", Tier.FREE) for n in range(5)]
    april = datetime(2027, 4, 1, tzinfo=UTC)
    for user in users[:4]:
        set_cycle(user, anchor=april, last=april, next_reset=datetime(2027, 5, 1, tzinfo=UTC))
    later = datetime(2027, 4, 20, tzinfo=UTC)
    set_cycle(users[4], anchor=later, last=later, next_reset=datetime(2027, 5, 20, tzinfo=UTC))

    backfill("credits-reset-monthly", datetime(2027, 5, 1, 0, 30, tzinfo=UTC), datetime(2027, 5, 1, 1, 30, tzinfo=UTC))

    renewed = CreditLedgerEntry.objects.filter(kind=LedgerKind.RENEWAL, balance="credits").values_list(
        "workspace__personal_owner__username", flat=True
    )
    assert sorted(renewed) == ["user0", "user1", "user2", "user3"]
    renewals = JobLog.objects.filter(event="credits/reset.monthly").values_list("data", flat=True)
    assert sorted(data["renewed"] for data in renewals) == [4]


def test_send_event_starts_the_low_credit_check(capsys: pytest.CaptureFixture[str]) -> None:
    alice = make_user("alice", Tier.FREE)
    hold_credits(alice, 5)  # 5 of 10 left: not low on Free, so the reservation sent nothing
    workspace = change_tier(workspace_of(alice), tier=Tier.PRO)  # 5 of 500 is low, and nothing has checked since
    alerts = Notification.objects.filter(user=alice, type=NotificationType.LOW_CREDITS)
    assert alerts.count() == 0

    def check_low() -> str:
        call_command("send_event", "credits/check.low", data=json.dumps({"workspace_id": workspace.pk}))
        workflow_id = capsys.readouterr().out.strip()
        DBOS.retrieve_workflow(workflow_id).get_result()
        wait_for(lambda: JobLog.objects.filter(workflow_id=workflow_id, status="completed").exists(), what="job log")
        return workflow_id

    first = check_low()
    assert list(alerts.values_list("data", flat=True)) == [{"available": 5, "monthly": 500, "balance": "credits"}]
    assert JobLog.objects.get(workflow_id=first).data == {"workspace_id": workspace.pk, "notified": True}
    assert JobLog.objects.get(workflow_id=first).workspace_id == workspace.pk
    # Once per cycle: a second check finds the alert out.
    second = check_low()
    assert second != first
    assert alerts.count() == 1
    assert JobLog.objects.get(workflow_id=second).data == {"workspace_id": workspace.pk, "notified": False}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("credits/check.low", "{}", "needs workspace_id"),
        ("credits/check.low", "[1]", "must be a JSON object"),
        ("credits/check.low", "{nope", "not valid JSON"),
        ("post/scheduled.process", '{"target_id": 999999}', "No post target 999999"),
    ],
)
def test_send_event_refuses_bad_data_clearly(name: str, data: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("send_event", name, data=data)
