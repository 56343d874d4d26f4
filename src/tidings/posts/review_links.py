"""Approval links for people without a login (a client): a signed, expiring link to one proposed post, which shows
it read-only and lets its holder approve it, ask for changes or comment, under the name they give.

The link is signed with the server's secret and names the post and its workspace, so it cannot be altered to reach
another; it stops working when it expires or once the post is no longer waiting for approval.
"""

from django.conf import settings
from django.core import signing

from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.posts import approvals
from tidings.posts.models import Post, PostNote, TargetStatus
from tidings.posts.services import get_post
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action

SALT = "tidings.posts.review-link"
NOT_VALID = "This approval link is not valid. Copy the whole link, or ask for a new one."


def make_review_link(actor: Actor, post_id: int) -> str:
    """The token for a link to the post (an approver shares it); valid TIDINGS_REVIEW_LINK_DAYS days."""
    actor.require(Action.APPROVE)
    post = get_post(actor.workspace, post_id)
    if not post.targets.filter(status=TargetStatus.AWAITING_APPROVAL).exists():
        raise Conflict("Only a post waiting for approval can be shared for approval.")
    return signing.dumps({"post": post.pk, "workspace": actor.workspace.pk}, salt=SALT, compress=True)


def open_review(token: str) -> Post:
    """The post a link names, while the link is valid."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.TIDINGS_REVIEW_LINK_DAYS * 86400)
    except signing.SignatureExpired:
        raise Conflict("This approval link has expired. Ask for a new one.") from None
    except signing.BadSignature:
        raise NotFound(NOT_VALID) from None
    post = Post.objects.select_related("workspace").filter(pk=data["post"], workspace_id=data["workspace"]).first()
    if post is None:
        raise NotFound(NOT_VALID)
    return post


def _guest(token: str, name: str) -> tuple[Actor, Post, str]:
    post = open_review(token)
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("Give your name, so the team knows who decided.", field="name")
    if len(name) > 100:
        raise InvalidInput("A name can be at most 100 characters.", field="name")
    return Actor.system(post.workspace), post, name


def approve_by_link(token: str, *, name: str, text: str = "") -> Post:
    actor, post, name = _guest(token, name)
    return approvals.approve_post(actor, post.pk, text=text, guest_name=name)


def request_changes_by_link(token: str, *, name: str, text: str) -> Post:
    actor, post, name = _guest(token, name)
    return approvals.request_changes(actor, post.pk, text=text, guest_name=name)


def comment_by_link(token: str, *, name: str, text: str) -> PostNote:
    actor, post, name = _guest(token, name)
    return approvals.comment(actor, post.pk, text=text, guest_name=name)
