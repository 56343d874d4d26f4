"""The crons, upserted at every worker start; each tick runs once across the cluster."""

from dbos import DBOS, ScheduleInput
from django.conf import settings

from tidings.jobs.workflows import analytics, automation, credits, maintenance, publish, recurring, tokens, webhooks

BACKUP_SCHEDULE = "backup-nightly"


def apply_schedules() -> None:
    every = max(1, settings.TIDINGS_DISPATCH_EVERY_SECONDS)
    schedules: list[ScheduleInput] = [
        {
            "schedule_name": "dispatch-due-posts",
            "workflow_fn": publish.dispatch_due_posts,
            "schedule": f"*/{every} * * * * *",
        },
        {
            "schedule_name": "unconfirmed-check",
            "workflow_fn": publish.check_unconfirmed_sends,
            "schedule": "*/15 * * * *",
        },
        {
            "schedule_name": "automation-dispatch",
            "workflow_fn": automation.dispatch_due_rules,
            "schedule": "0 * * * * *",
        },
        {
            "schedule_name": "credits-check-expiry",
            "workflow_fn": credits.check_credit_expiry,
            "schedule": settings.TIDINGS_EXPIRY_CHECK_CRON,
            "cron_timezone": settings.TIDINGS_EXPIRY_CHECK_TIME_ZONE,
        },
        {
            # Hourly, so a workspace's renewal lands within the hour its cycle turns.
            "schedule_name": "credits-reset-monthly",
            "workflow_fn": credits.reset_monthly_credits,
            "schedule": "5 * * * *",
        },
        {
            "schedule_name": "recurring-make-repeats",
            "workflow_fn": recurring.make_due_repeats,
            "schedule": "*/5 * * * *",
        },
        {
            "schedule_name": "tokens-refresh-expiring",
            "workflow_fn": tokens.refresh_expiring_tokens,
            "schedule": "*/10 * * * *",
        },
        {
            # Every minute, off the automation's second; `tidings.analytics.reads` keeps it within the quotas.
            "schedule_name": "analytics-sync-metrics",
            "workflow_fn": analytics.sync_due_metrics,
            "schedule": "20 * * * * *",
        },
        {
            "schedule_name": "webhooks-sweep",
            "workflow_fn": webhooks.sweep_due_deliveries,
            "schedule": "*/10 * * * * *",
        },
        {
            "schedule_name": "cleanup-finished-workflows",
            "workflow_fn": maintenance.cleanup_finished_workflows,
            "schedule": "30 3 * * *",
            "cron_timezone": "UTC",
        },
    ]
    # Schedules outlive the code that made them: turning nightly backups off must delete theirs.
    if settings.TIDINGS_BACKUP_DIR:
        schedules.append(
            {
                "schedule_name": BACKUP_SCHEDULE,
                "workflow_fn": maintenance.back_up_nightly,
                "schedule": "0 3 * * *",
                "cron_timezone": "UTC",
            }
        )
    else:
        DBOS.delete_schedule(BACKUP_SCHEDULE)
    DBOS.apply_schedules(schedules)
