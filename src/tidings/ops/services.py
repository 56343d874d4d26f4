"""The staff dashboard, gathered in one call for the view; the DBOS half degrades to a message when unreachable."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from tidings.credits.models import Balance
from tidings.ops import charts, metrics, workflows
from tidings.ops.backup import backup_status
from tidings.ops.models import BackupRecord
from tidings.ops.workflows import WorkflowStoreUnavailable
from tidings.platforms.config import availability
from tidings.platforms.models import Platform
from tidings.platforms.registry import CONNECTORS


@dataclass
class Dashboard:
    now: datetime
    workspaces_per_tier: dict[str, int]
    credits: metrics.CreditFlow
    video_credits: metrics.CreditFlow
    outcome_charts: list[charts.BarChart]
    queue: dict[str, int]
    lateness: dict[str, Any]
    job_runs: list[dict[str, Any]]
    generation: list[dict[str, Any]]
    reconnect_count: int
    reconnect_accounts: list[Any]
    workflow_counts: dict[str, int] = field(default_factory=dict)
    stuck_workflows: list[workflows.Workflow] = field(default_factory=list)
    workflow_problem: str = ""
    platforms: list[str] = field(default_factory=list)
    # Platforms users cannot connect yet, each with the settings that would offer it (users are told to ask).
    unavailable: list[tuple[str, str]] = field(default_factory=list)
    last_backup: BackupRecord | None = None
    backup_warnings: list[str] = field(default_factory=list)


def build_dashboard(*, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    reconnect_count, reconnect_accounts = metrics.accounts_needing_reconnect()
    board = Dashboard(
        now=now,
        workspaces_per_tier=metrics.workspaces_per_tier(),
        credits=metrics.credits_this_month(now),
        video_credits=metrics.credits_this_month(now, Balance.VIDEO_CREDITS),
        outcome_charts=[
            charts.daily_bars(platform, per_day)
            for platform, per_day in metrics.outcomes_per_platform_per_day(now).items()
        ],
        queue=metrics.queue_depth(now),
        lateness=metrics.publishing_lateness(now),
        job_runs=metrics.job_runs(now),
        generation=metrics.generation_by_provider(now),
        reconnect_count=reconnect_count,
        reconnect_accounts=reconnect_accounts,
        platforms=sorted(name for name, connector in CONNECTORS.items() if connector.is_configured()),
        unavailable=[
            (str(platform.label), found.setup or found.reason)
            for platform in Platform
            if not (found := availability(platform)).available
        ],
    )
    backups = backup_status(now=now)
    board.last_backup = backups.last
    board.backup_warnings = [text for text in (backups.age_warning(now), backups.keys_warning()) if text]
    try:
        board.workflow_counts = workflows.counts_by_status(now)
        board.stuck_workflows = workflows.stuck(now)
    except WorkflowStoreUnavailable as error:
        board.workflow_problem = error.message
    return board
