"""The page a client approval link opens (no login): the proposed post read-only, its notes, and approve, ask for
changes or comment under the name they give."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tidings.core.errors import DomainError, NotFound
from tidings.posts import review_links
from tidings.posts.models import TargetStatus


@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        post = review_links.open_review(token)
    except NotFound as error:
        return render(request, "web/posts/review.html", {"problem": error.message}, status=404)
    except DomainError as error:
        return render(request, "web/posts/review.html", {"problem": error.message}, status=410)
    problem, done = "", ""
    name, text = str(request.POST.get("name", "")), str(request.POST.get("text", ""))
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                review_links.approve_by_link(token, name=name, text=text)
                done = "Thank you: the post is approved and scheduled."
            elif action == "changes":
                review_links.request_changes_by_link(token, name=name, text=text)
                done = "Thank you: the team will make the changes and send it again."
            else:
                review_links.comment_by_link(token, name=name, text=text)
                done = "Thank you: your comment is with the team."
        except DomainError as error:
            problem = error.message
        else:
            request.session["review_name"] = " ".join(name.split())[:100]
            return redirect(f"{request.path}?done={action or 'comment'}")
    post.refresh_from_db()
    context = {
        "post": post,
        "targets": list(post.targets.select_related("account")),
        "media": list(post.media.all()),
        "notes": list(post.notes.select_related("author")),
        "waiting": post.targets.filter(status=TargetStatus.AWAITING_APPROVAL).exists(),
        "problem": problem,
        "done": done
        or {
            "approve": "Approved: thank you.",
            "changes": "Changes asked for: thank you.",
            "comment": "Comment sent: thank you.",
        }.get(str(request.GET.get("done", "")), ""),
        "name": name or request.session.get("review_name", ""),
        "text": text if problem else "",
    }
    with timezone.override(post.workspace.zone):  # times read as the team that planned them reads them
        return render(request, "web/posts/review.html", context)


urls = [path("review/<str:token>/", review_page, name="review")]
