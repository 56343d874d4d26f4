"""A post's team side, on the queue and in the composer: its comments and approval history, and the approver's
decisions (approve, ask for changes, reject, share a link with a client). The client's page is in `review`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from tidings.core.errors import DomainError, NotFound
from tidings.posts import approvals, review_links
from tidings.posts.services import get_post
from tidings.web.auth import acting
from tidings.web.queue.actions import back, local_time
from tidings.workspaces.roles import RoleTooLow


def notes_context(request: HttpRequest, post_id: int, **extra: object) -> dict[str, object]:
    actor = acting(request)
    post = get_post(actor.workspace, post_id)
    return {"post": post, "notes": list(post.notes.select_related("author")), "actor": actor, **extra}


@login_required
@require_POST
def add_comment(request: HttpRequest, post_id: int) -> HttpResponse:
    """Comment, and show the notes again (htmx), or come back to the page with a toast."""
    problem = ""
    try:
        approvals.comment(acting(request), post_id, text=str(request.POST.get("text", "")))
    except (RoleTooLow, NotFound):
        raise
    except DomainError as error:
        problem = error.message
    if request.htmx:  # type: ignore[attr-defined]
        context = notes_context(request, post_id, problem=problem, open=True)
        return render(request, "web/posts/notes.html", context, status=400 if problem else 200)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, "Comment added.")
    return back(request)


@login_required
@require_POST
def decide(request: HttpRequest, post_id: int, decision: str) -> HttpResponse:
    actor, text = acting(request), str(request.POST.get("text", ""))
    try:
        if decision == "approve":
            raw = str(request.POST.get("when", "")).strip()
            at = local_time(actor.workspace, raw) if raw else None
            approvals.approve_post(actor, post_id, text=text, at=at)
            messages.success(request, "Approved: it is scheduled." if at else "Approved: it is scheduled as proposed.")
        elif decision == "changes":
            approvals.request_changes(actor, post_id, text=text)
            messages.success(request, "Sent back to its author as a draft; its credits are back.")
        elif decision == "reject":
            approvals.reject_post(actor, post_id, text=text)
            messages.success(request, "Rejected; its credits are back.")
        else:
            raise NotFound("There is no such decision.")
    except (RoleTooLow, NotFound):
        raise
    except DomainError as error:
        messages.error(request, error.message)
    return back(request)


@login_required
@require_POST
def share_link(request: HttpRequest, post_id: int) -> HttpResponse:
    """A link for someone without a login to approve this post; shown once here to copy."""
    try:
        token = review_links.make_review_link(acting(request), post_id)
    except (RoleTooLow, NotFound):
        raise
    except DomainError as error:
        return render(request, "web/posts/review_link.html", {"problem": error.message}, status=409)
    link = request.build_absolute_uri(reverse("review", args=[token]))
    return render(request, "web/posts/review_link.html", {"link": link})


urls = [
    path("posts/<int:post_id>/comment/", add_comment, name="post-comment"),
    path("posts/<int:post_id>/decide/<str:decision>/", decide, name="post-decide"),
    path("posts/<int:post_id>/review-link/", share_link, name="post-review-link"),
]
