"""Daily counters in the workspace's own calendar day."""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tidings.usage.models import DailyUsage, Metric
from tidings.workspaces.models import Workspace


def local_day(workspace: Workspace, at: datetime | None = None) -> date:
    """The calendar day it is (or was, at `at`) where the workspace lives."""
    return (at or timezone.now()).astimezone(workspace.zone).date()


def usage_on(workspace: Workspace, *, metric: Metric, day: date, platform: str = "") -> int:
    row = (
        DailyUsage.objects.filter(workspace=workspace, day=day, metric=metric, platform=platform)
        .values("count")
        .first()
    )
    return row["count"] if row else 0


def count_usage(
    workspace: Workspace, *, metric: Metric, platform: str = "", at: datetime | None = None, amount: int = 1
) -> int:
    """Add `amount` to the workspace's counter for the local day of `at` and return the new total.

    The increment is a single UPDATE ... SET count = count + n, so concurrent callers never lose a count; the row
    is created on first use, and a creation race falls back to the increment.
    """
    day = local_day(workspace, at)
    add_usage(workspace, metric=metric, platform=platform, day=day, amount=amount)
    return usage_on(workspace, metric=metric, day=day, platform=platform)


def add_usage(workspace: Workspace, *, metric: Metric, day: date, platform: str = "", amount: int = 1) -> None:
    """The increment alone, for hot paths that do not need the total back."""
    lookup = {"workspace": workspace, "day": day, "metric": metric, "platform": platform}
    with transaction.atomic(savepoint=False):
        if not DailyUsage.objects.filter(**lookup).update(count=F("count") + amount):
            try:
                with transaction.atomic():
                    DailyUsage.objects.create(**lookup, count=amount)
            except IntegrityError:
                DailyUsage.objects.filter(**lookup).update(count=F("count") + amount)
