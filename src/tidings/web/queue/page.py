"""The queue page: every post as a card, soonest first, in views by state, narrowed by account, platform and
words, a page at a time. Every filter lives in the address, so a view can be shared, reloaded and gone back to;
with htmx only the results are swapped, and the same address renders the whole page."""

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from tidings.planning.queue import queued_posts
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.rules import platform_name
from tidings.posts.selectors import VIEWS, QueueFilter, queue_counts, queue_posts
from tidings.posts.unconfirmed import can_check
from tidings.web.auth import acting
from tidings.workspaces.roles import Action

PER_PAGE = 20
LABELS = {
    "": "All",
    "scheduled": "Scheduled",
    "drafts": "Drafts",
    "problems": "Needs attention",
    "published": "Published",
    "cancelled": "Cancelled",
}
REPORT = "queue_report"


def read_filters(query: QueryDict) -> QueueFilter:
    """The filters in the address; anything unknown is ignored (an account of another workspace simply matches none)."""
    show = query.get("show", "")
    account = query.get("account", "")
    platform = query.get("platform", "")
    post = query.get("post", "")
    return QueueFilter(
        post=int(post) if post.isdigit() else None,
        show=show if show in VIEWS else "",
        account=int(account) if account.isdigit() else None,
        platform=platform if platform in Platform.values else "",
        search=query.get("q", "").strip()[:200],
    )


def address(filters: QueueFilter, **changes: Any) -> str:
    """The queue's address for these filters (with `changes`), leaving out what is not set."""
    values = {
        "show": filters.show,
        "account": filters.account or "",
        "platform": filters.platform,
        "q": filters.search,
        "post": filters.post or "",
    } | changes
    query = urlencode({key: value for key, value in values.items() if value})
    return reverse("queue") + (f"?{query}" if query else "")


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    workspace = actor.workspace
    filters = read_filters(request.GET)
    page = Paginator(queue_posts(workspace, filters), PER_PAGE).get_page(request.GET.get("page"))
    counts = queue_counts(workspace, filters)
    accounts = list(SocialAccount.objects.filter(workspace=workspace).order_by("platform", "handle", "pk"))
    partial = request.htmx and not request.htmx.history_restore_request  # type: ignore[attr-defined]
    context = {
        "filters": filters,
        "page": page,
        "pages": _page_links(filters, page),
        "tabs": [
            {"name": name, "label": label, "count": counts[name or "all"], "url": address(filters, show=name)}
            for name, label in LABELS.items()
        ],
        "accounts": accounts,
        "platforms": sorted({a.platform for a in accounts}, key=platform_name),
        "checkable": {platform for platform in Platform.values if can_check(platform)},
        "time_zone": workspace.time_zone,
        "report": _report(request),
        "clear_url": address(QueueFilter(show=filters.show)),
        "slot_queue": [] if partial else queued_posts(workspace),
        "may_plan": actor.may(Action.SCHEDULE),
    }
    response = render(request, "web/queue/results.html" if partial else "web/queue.html", context)
    if partial:
        # The address bar shows the filters in use, not every empty field of the form.
        response["HX-Push-Url"] = address(filters, page=page.number if page.number > 1 else "")
    # The same address answers a whole page or, to htmx, its results: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _page_links(filters: QueueFilter, page: Page) -> list[dict[str, Any]]:
    """Numbered links around the current page (first and last always), with gaps as None."""
    total, current = page.paginator.num_pages, page.number
    shown = sorted({1, total, *range(max(1, current - 2), min(total, current + 2) + 1)})
    links: list[dict[str, Any]] = []
    for number in shown:
        if links and number - links[-1]["number"] > 1:
            links.append({"number": None})
        links.append({"number": number, "url": address(filters, page=number), "current": number == current})
    return links


def _report(request: HttpRequest) -> list[dict[str, Any]]:
    """What a bulk action did to each post, shown once on the page it came back to."""
    report: list[dict[str, Any]] = request.session.pop(REPORT, [])
    for line in report:
        line["at"] = datetime.fromisoformat(line["at"]) if line.get("at") else None
    return report
