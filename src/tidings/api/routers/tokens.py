"""API tokens: the one in use, the person's tokens of this workspace, create (no more scopes or time than the
caller's, in its workspace), revoke."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from tidings.api import queries
from tidings.api.auth import actor_of, needs, token_of
from tidings.api.pagination import paginate
from tidings.api.schemas import ERRORS, MAX_ID, PageQuery
from tidings.api.schemas.tokens import TokenCreatedOut, TokenCreateIn, TokenOut, TokenPage
from tidings.api.services import create_token, revoke_token
from tidings.api.times import to_utc

router = Router(tags=["tokens"])
AUTH = needs("tokens")
TokenId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/tokens/current", response={200: TokenOut, **ERRORS}, auth=needs())
def current_token(request: HttpRequest) -> object:
    """The token this request was made with."""
    return TokenOut.of(token_of(request))


@router.get("/tokens", response={200: TokenPage, **ERRORS}, auth=AUTH)
def list_tokens(request: HttpRequest, page: Query[PageQuery]) -> dict[str, object]:
    """Your tokens that act in this token's workspace."""
    caller = token_of(request)
    return paginate(queries.list_tokens(caller.user, workspace=caller.workspace), page, TokenOut.of)


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS}, auth=AUTH)
def create_api_token(request: HttpRequest, payload: TokenCreateIn) -> Status[TokenCreatedOut]:
    """A new token, minted by this one; its secret is in this answer only. (No Idempotency-Key here: the secret
    is never stored.)

    The new token cannot outlive or outrank this one: it expires no later than this token (a later `expires_at`,
    or none, is capped to this token's expiry: read `expires_at` in the answer), a scope this token lacks is
    refused with 403, and revoking this token revokes every token it minted, transitively."""
    caller, actor = token_of(request), actor_of(request)
    token, secret = create_token(
        actor,
        name=payload.name,
        scopes=payload.scopes,
        expires_at=to_utc(payload.expires_at, actor.workspace, field="expires_at"),
        parent=caller,
    )
    return Status(201, TokenCreatedOut.of(token, token=secret))


@router.delete("/tokens/{token_id}", response={200: TokenOut, **ERRORS}, auth=AUTH)
def revoke_api_token(request: HttpRequest, token_id: TokenId) -> object:
    """Revoke one of your tokens of this workspace at once (it may be the one in use), and every token it minted."""
    caller = token_of(request)
    return TokenOut.of(revoke_token(caller.user, token_id, workspace=caller.workspace))
