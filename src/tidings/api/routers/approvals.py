"""A post's notes (the team's comments and its approval steps) and the approver's decisions. Approving needs the
editor role or above; a contributor's scheduled post arrives here as `awaiting_approval`."""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Path, Router, Schema, Status

from tidings.api.auth import actor_of, needs
from tidings.api.schemas import ERRORS, MAX_ID, NO_NUL, ErrorOut, Input
from tidings.api.schemas.posts import PostOut
from tidings.posts import approvals, review_links
from tidings.posts.models import PostNote
from tidings.posts.services import get_post

router = Router(tags=["approvals"])
READ, WRITE = needs("posts:read"), needs("posts:write")
PostId = Annotated[int, Path(ge=1, le=MAX_ID)]
CHANGE = {**ERRORS, 409: ErrorOut}


class NoteIn(Input):
    text: str = Field("", max_length=approvals.MAX_NOTE, pattern=NO_NUL)


class NoteOut(Schema):
    id: int
    kind: str = Field(description="comment, proposed, approved, changes_requested or rejected.")
    author_id: int | None = Field(description="None for a client through an approval link, or a member who left.")
    who: str
    text: str
    created_at: datetime

    @classmethod
    def of(cls, note: PostNote) -> "NoteOut":
        return cls(
            id=note.pk,
            kind=note.kind,
            author_id=note.author_id,
            who=note.who,
            text=note.text,
            created_at=note.created_at,
        )


class LinkOut(Schema):
    url: str = Field(description="Anyone with it may approve the post or ask for changes, until it expires.")


@router.get("/posts/{post_id}/notes", response={200: list[NoteOut], **ERRORS}, auth=READ)
def list_notes(request: HttpRequest, post_id: PostId) -> list[NoteOut]:
    post = get_post(actor_of(request).workspace, post_id)
    return [NoteOut.of(note) for note in post.notes.select_related("author")]


@router.post("/posts/{post_id}/notes", response={201: NoteOut, **CHANGE}, auth=WRITE)
def add_comment(request: HttpRequest, post_id: PostId, payload: NoteIn) -> Status[NoteOut]:
    return Status(201, NoteOut.of(approvals.comment(actor_of(request), post_id, text=payload.text)))


def _post(request: HttpRequest, post_id: int) -> PostOut:
    return PostOut.of(get_post(actor_of(request).workspace, post_id))


@router.post("/posts/{post_id}/approve", response={200: PostOut, **CHANGE}, auth=WRITE)
def approve(request: HttpRequest, post_id: PostId, payload: NoteIn) -> PostOut:
    """Schedule a post waiting for approval as proposed (at once if its time has passed)."""
    approvals.approve_post(actor_of(request), post_id, text=payload.text)
    return _post(request, post_id)


@router.post("/posts/{post_id}/request-changes", response={200: PostOut, **CHANGE}, auth=WRITE)
def request_changes(request: HttpRequest, post_id: PostId, payload: NoteIn) -> PostOut:
    """Send it back to its author as a draft (its credits released); `text` says what should change."""
    approvals.request_changes(actor_of(request), post_id, text=payload.text)
    return _post(request, post_id)


@router.post("/posts/{post_id}/reject", response={200: PostOut, **CHANGE}, auth=WRITE)
def reject(request: HttpRequest, post_id: PostId, payload: NoteIn) -> PostOut:
    """Cancel it (its credits released)."""
    approvals.reject_post(actor_of(request), post_id, text=payload.text)
    return _post(request, post_id)


@router.post("/posts/{post_id}/review-link", response={201: LinkOut, **CHANGE}, auth=WRITE)
def review_link(request: HttpRequest, post_id: PostId) -> Status[LinkOut]:
    """A signed, expiring link for someone without a login (a client) to approve the post."""
    token = review_links.make_review_link(actor_of(request), post_id)
    return Status(201, LinkOut(url=request.build_absolute_uri(reverse("review", args=[token]))))
