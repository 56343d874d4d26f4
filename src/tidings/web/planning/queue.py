"""The slot queue's actions on the queue page (shuffle, move up) and the composer's "Next slot" line."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from tidings.core.errors import DomainError, NotFound
from tidings.planning.finder import next_free_slot
from tidings.planning.queue import move_up, shuffle_queue
from tidings.platforms.models import SocialAccount
from tidings.posts.models import Post
from tidings.web.auth import acting
from tidings.web.queue.actions import back
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import RoleTooLow


@dataclass(frozen=True)
class SlotHint:
    """The slot "Add to queue" would take now, or why there is none (and where to set slots)."""

    at: datetime | None = None
    problem: str = ""
    settings_url: str = ""


def slot_hint(workspace: Workspace, accounts: list[SocialAccount], post: Post | None) -> SlotHint:
    if not accounts:
        return SlotHint()
    excluding = list(post.targets.values_list("pk", flat=True)) if post is not None else []
    try:
        return SlotHint(at=next_free_slot(workspace, accounts, excluding=excluding))
    except DomainError as refusal:
        return SlotHint(problem=refusal.message, settings_url=str(refusal.details.get("settings_url", "")))


@login_required
@require_POST
def shuffle(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    try:
        moved = shuffle_queue(actor)
        messages.success(request, f"Shuffled: {moved} post{'s' if moved != 1 else ''} changed slots.")
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return back(request)


@login_required
@require_POST
def up(request: HttpRequest, post_id: int) -> HttpResponse:
    actor = acting(request)
    try:
        move_up(actor, post_id)
        messages.success(request, "Moved up one slot.")
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return back(request)
