"""Analytics: a post's counts on each account it went to, an account's totals and counts per day, and the best
times to post from the workspace's own history. Reads only, under the read scopes of what they describe."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Query, Router

from tidings.analytics import selectors
from tidings.analytics.best_times import best_times
from tidings.api.auth import actor_of, needs
from tidings.api.schemas import ERRORS, MAX_ID
from tidings.api.schemas.analytics import (
    AccountMetricsOut,
    BestTimesOut,
    BestTimesQuery,
    MetricsQuery,
    PostMetricsOut,
    TargetMetricsOut,
)
from tidings.platforms.services import get_account
from tidings.posts.services import get_post

router = Router(tags=["analytics"])
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/posts/{post_id}/metrics", response={200: PostMetricsOut, **ERRORS}, auth=needs("posts:read"))
def post_metrics(request: HttpRequest, post_id: Id) -> PostMetricsOut:
    """Each account's copy of the post with its latest counts and every reading; counts stay null until the
    copy is published and read."""
    post = get_post(actor_of(request).workspace, post_id)
    targets = post.targets.select_related("metrics").order_by("pk")
    return PostMetricsOut(items=[TargetMetricsOut.of(t, list(selectors.history(t))) for t in targets])


@router.get("/accounts/{account_id}/metrics", response={200: AccountMetricsOut, **ERRORS}, auth=needs("accounts:read"))
def account_metrics(request: HttpRequest, account_id: Id, query: Query[MetricsQuery]) -> AccountMetricsOut:
    """The account's posts of the last `days` local days: how many, their counts added up, and per day."""
    workspace = actor_of(request).workspace
    account = get_account(workspace, account_id)
    series = selectors.daily_series(workspace, account=account, days=query.days)
    reasons = [reason for _, reason in selectors.unavailable(workspace, account=account)]
    return AccountMetricsOut.of(account.pk, account.platform, series, reasons)


@router.get("/analytics/best-times", response={200: BestTimesOut, **ERRORS}, auth=needs("posts:read"))
def get_best_times(request: HttpRequest, query: Query[BestTimesQuery]) -> BestTimesOut:
    """The weekdays and local hours the workspace's posts did best in the last 90 days, best first; none, with
    the reason, without enough history."""
    workspace = actor_of(request).workspace
    account = get_account(workspace, query.account_id) if query.account_id else None
    return BestTimesOut.of(best_times(workspace, account=account, limit=query.limit))
