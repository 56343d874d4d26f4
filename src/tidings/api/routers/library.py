"""Snippets and hashtag groups: the workspace's reusable text for posts. Anyone who writes drafts adds them and
changes their own; changing or deleting another member's needs an editor or above."""

from collections.abc import Callable
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Status

from tidings.api.auth import actor_of, needs
from tidings.api.idempotency import HEADER, run_once
from tidings.api.pagination import paginate
from tidings.api.schemas import ERRORS, MAX_ID, ErrorOut, PageQuery
from tidings.api.schemas.library import (
    HashtagGroupIn,
    HashtagGroupOut,
    HashtagGroupPage,
    SnippetIn,
    SnippetOut,
    SnippetPage,
)
from tidings.library import selectors, services

router = Router(tags=["library"])
READ, WRITE = needs("posts:read"), needs("posts:write")
SnippetId = Annotated[int, Path(ge=1, le=MAX_ID)]
GroupId = Annotated[int, Path(ge=1, le=MAX_ID)]
CHANGE = {**ERRORS, 409: ErrorOut}
Key = Annotated[str | None, Header(alias=HEADER, max_length=255)]


def _once(
    request: HttpRequest, response: HttpResponse, key: str | None, make: Callable[[], dict[str, Any]]
) -> Status[object]:
    answer = run_once(request, key, lambda: (201, make()))
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)


@router.get("/snippets", response={200: SnippetPage, **ERRORS}, auth=READ)
def list_snippets(request: HttpRequest, page: Query[PageQuery]) -> dict[str, object]:
    return paginate(selectors.snippets_of(actor_of(request).workspace), page, SnippetOut.of)


@router.post("/snippets", response={201: SnippetOut, **CHANGE}, auth=WRITE)
def create_snippet(
    request: HttpRequest, response: HttpResponse, payload: SnippetIn, idempotency_key: Key = None
) -> Status[object]:
    """Send an Idempotency-Key to make a retried request safe."""

    def create() -> dict[str, Any]:
        snippet = services.create_snippet(actor_of(request), name=payload.name, text=payload.text)
        return SnippetOut.of(snippet).model_dump(mode="json")

    return _once(request, response, idempotency_key, create)


@router.get("/snippets/{snippet_id}", response={200: SnippetOut, **ERRORS}, auth=READ)
def get_snippet(request: HttpRequest, snippet_id: SnippetId) -> SnippetOut:
    return SnippetOut.of(selectors.get_snippet(actor_of(request).workspace, snippet_id))


@router.put("/snippets/{snippet_id}", response={200: SnippetOut, **CHANGE}, auth=WRITE)
def update_snippet(request: HttpRequest, snippet_id: SnippetId, payload: SnippetIn) -> SnippetOut:
    return SnippetOut.of(services.update_snippet(actor_of(request), snippet_id, name=payload.name, text=payload.text))


@router.delete("/snippets/{snippet_id}", response={204: None, **CHANGE}, auth=WRITE)
def delete_snippet(request: HttpRequest, snippet_id: SnippetId) -> Status[None]:
    services.delete_snippet(actor_of(request), snippet_id)
    return Status(204, None)


@router.get("/hashtag-groups", response={200: HashtagGroupPage, **ERRORS}, auth=READ)
def list_hashtag_groups(request: HttpRequest, page: Query[PageQuery]) -> dict[str, object]:
    return paginate(selectors.hashtag_groups_of(actor_of(request).workspace), page, HashtagGroupOut.of)


@router.post("/hashtag-groups", response={201: HashtagGroupOut, **CHANGE}, auth=WRITE)
def create_hashtag_group(
    request: HttpRequest, response: HttpResponse, payload: HashtagGroupIn, idempotency_key: Key = None
) -> Status[object]:
    """Send an Idempotency-Key to make a retried request safe."""

    def create() -> dict[str, Any]:
        group = services.create_hashtag_group(actor_of(request), name=payload.name, hashtags=payload.hashtags)
        return HashtagGroupOut.of(group).model_dump(mode="json")

    return _once(request, response, idempotency_key, create)


@router.get("/hashtag-groups/{group_id}", response={200: HashtagGroupOut, **ERRORS}, auth=READ)
def get_hashtag_group(request: HttpRequest, group_id: GroupId) -> HashtagGroupOut:
    return HashtagGroupOut.of(selectors.get_hashtag_group(actor_of(request).workspace, group_id))


@router.put("/hashtag-groups/{group_id}", response={200: HashtagGroupOut, **CHANGE}, auth=WRITE)
def update_hashtag_group(request: HttpRequest, group_id: GroupId, payload: HashtagGroupIn) -> HashtagGroupOut:
    group = services.update_hashtag_group(actor_of(request), group_id, name=payload.name, hashtags=payload.hashtags)
    return HashtagGroupOut.of(group)


@router.delete("/hashtag-groups/{group_id}", response={204: None, **CHANGE}, auth=WRITE)
def delete_hashtag_group(request: HttpRequest, group_id: GroupId) -> Status[None]:
    services.delete_hashtag_group(actor_of(request), group_id)
    return Status(204, None)
