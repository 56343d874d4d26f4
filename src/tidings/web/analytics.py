"""Analytics pages: how the workspace's (or one account's) published posts did, when to post, and the CSV of every
post's counts. Counts a platform does not give are said to be missing, never shown as 0."""

import csv
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from tidings.analytics import selectors
from tidings.analytics.best_times import BestTimes, best_times
from tidings.analytics.fetchers.base import COUNT_NAMES
from tidings.platforms.models import SocialAccount
from tidings.platforms.services import get_account
from tidings.usage.services import local_day
from tidings.web.auth import acting
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LABELS = {name: name.title() for name in COUNT_NAMES}


@dataclass(frozen=True)
class HeatRow:
    hour: int
    cells: list[tuple[str, float | None, int]]  # (weekday, score, level 0-4) per weekday


def heat_map(times: BestTimes) -> list[HeatRow]:
    """One row per local hour the workspace has posted in, one cell per weekday, shaded by score."""
    scores = {(s.weekday, s.hour): s.score for s in times.suggestions}
    top = max(scores.values(), default=0) or 1
    rows = []
    for hour in sorted({hour for _, hour in scores}):
        cells = []
        for weekday, name in enumerate(WEEKDAYS):
            score = scores.get((weekday, hour))
            cells.append((name, score, 0 if score is None else 1 + min(3, int(score / top * 3.999))))
        rows.append(HeatRow(hour, cells))
    return rows


def _context(workspace: Workspace, account: SocialAccount | None) -> dict[str, object]:
    series = selectors.daily_series(workspace, account=account)
    times = best_times(workspace, account=account, limit=24 * 7)
    return {
        "account": account,
        "accounts": workspace.social_accounts.order_by("platform", "handle"),
        "published_any": selectors.published_targets(workspace, account=account).exists(),
        "series": series,
        "totals": [(LABELS[name], series.totals[name]) for name in COUNT_NAMES],
        "chart": {
            "labels": [f"{day:%-d %b}" for day in series.days],
            "posts": series.posts,
            "metrics": {LABELS[n]: v for n, v in series.counts.items() if any(x is not None for x in v)},
        },
        "top": [
            (t, selectors.counts_of(t), selectors.engagement(t))
            for t in selectors.top_posts(workspace, account=account)
        ],
        "count_labels": [LABELS[name] for name in COUNT_NAMES],
        "unavailable": selectors.unavailable(workspace, account=account),
        "suggestions": [(WEEKDAYS[s.weekday], s) for s in times.suggestions[:5]],
        "times": times,
        "heat": heat_map(times),
        "weekdays": WEEKDAYS,
    }


@login_required
@require_GET
def workspace_analytics(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    actor.require(Action.VIEW)
    return render(request, "web/analytics.html", _context(actor.workspace, None))


@login_required
@require_GET
def account_analytics(request: HttpRequest, account_id: int) -> HttpResponse:
    actor = acting(request)
    actor.require(Action.VIEW)
    account = get_account(actor.workspace, account_id)
    return render(request, "web/analytics.html", _context(actor.workspace, account))


# A cell a spreadsheet would read as a formula is written as text (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


CSV_HEADER = ["target_id", "post_id", "platform", "account", "published_at", "url", *COUNT_NAMES]
CSV_HEADER += ["engagement", "read_at", "unavailable_reason"]


def _csv(request: HttpRequest, account: SocialAccount | None) -> HttpResponse:
    workspace = acting(request).workspace
    name = f"tidings-analytics-{account.pk}-" if account else "tidings-analytics-"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}{local_day(workspace, timezone.now())}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for target in selectors.published_targets(workspace, account=account).iterator(chunk_size=500):
        metrics = getattr(target, "metrics", None)
        counts = selectors.counts_of(target)
        row = [target.pk, target.post_id, target.platform, target.account.handle]
        row += [target.published_at.isoformat() if target.published_at else "", target.external_url]
        row += [counts[name] for name in COUNT_NAMES]
        row += [selectors.engagement(target), metrics.fetched_at.isoformat() if metrics and metrics.fetched_at else ""]
        row += [metrics.unavailable_reason if metrics else ""]
        writer.writerow([_cell(value) for value in row])
    return response


@login_required
@require_GET
def workspace_csv(request: HttpRequest) -> HttpResponse:
    acting(request).require(Action.VIEW)
    return _csv(request, None)


@login_required
@require_GET
def account_csv(request: HttpRequest, account_id: int) -> HttpResponse:
    actor = acting(request)
    actor.require(Action.VIEW)
    return _csv(request, get_account(actor.workspace, account_id))


urls = [
    path("analytics/", workspace_analytics, name="analytics"),
    path("analytics/export.csv", workspace_csv, name="analytics-csv"),
    path("analytics/accounts/<int:account_id>/", account_analytics, name="analytics-account"),
    path("analytics/accounts/<int:account_id>/export.csv", account_csv, name="analytics-account-csv"),
]
