"""The selected posts at once: reschedule (to one time, or by some days), back to drafts, or delete. Each post is
tried on its own; one toast sums up, and the page lists what happened to each post and why."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import truncatechars
from django.views.decorators.http import require_POST

from tidings.core.errors import DomainError, InvalidInput, NotFound
from tidings.posts.bulk import Outcome, delete_posts, reschedule_posts, unschedule_posts
from tidings.posts.models import Post
from tidings.web.auth import acting
from tidings.web.queue.actions import back, local_time
from tidings.web.queue.page import REPORT
from tidings.workspaces.roles import RoleTooLow

# Per action: what was done to a post, and the summary's verb.
DONE = {
    "reschedule": ("Rescheduled", "rescheduled"),
    "unschedule": ("Moved to drafts; its credits are back", "moved to drafts"),
    "delete": ("Deleted", "deleted"),
}


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    action = request.POST.get("action", "")
    ids = [int(pk) for pk in request.POST.getlist("posts") if pk.isdigit()]
    texts = dict(Post.objects.filter(workspace=actor.workspace, pk__in=ids).values_list("pk", "text"))
    try:
        if action == "reschedule":
            if request.POST.get("mode") == "shift":
                outcomes = reschedule_posts(actor, ids, shift_days=_days(request.POST.get("days", "")))
            else:
                outcomes = reschedule_posts(actor, ids, at=local_time(actor.workspace, request.POST.get("when", "")))
        elif action == "unschedule":
            outcomes = unschedule_posts(actor, ids)
        elif action == "delete":
            outcomes = delete_posts(actor, ids)
        else:
            raise InvalidInput("Choose what to do with the selected posts.", field="action")
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return back(request)
    _tell(request, action, outcomes, texts)
    return back(request)


def _days(raw: str) -> int:
    try:
        days = int(raw)
    except ValueError:
        raise InvalidInput("Give the number of days to move by, such as 1 or -2.", field="days") from None
    if abs(days) > 366:
        raise InvalidInput("Move by at most 366 days.", field="days")
    return days


def _tell(request: HttpRequest, action: str, outcomes: list[Outcome], texts: dict[int, str]) -> None:
    done = [o for o in outcomes if o.done]
    refused = len(outcomes) - len(done)
    verb = DONE[action][1]
    summary = f"{len(done)} of {len(outcomes)} post{'s' if len(outcomes) != 1 else ''} {verb}"
    if refused:
        summary += f"; {refused} could not be: see why below."
        level = messages.WARNING if done else messages.ERROR
    else:
        summary += "."
        level = messages.SUCCESS
    messages.add_message(request, level, summary)
    report: list[dict[str, Any]] = [
        {
            "post_id": o.post_id,
            "text": truncatechars(texts.get(o.post_id, "") or "(no text)", 80),
            "done": o.done,
            "detail": DONE[action][0] if o.done else o.reason,
            "at": o.at.isoformat() if o.done and o.at else "",
            "exists": action != "delete" or not o.done,
        }
        for o in outcomes
    ]
    request.session[REPORT] = report
