"""Bearer tokens only. The API does not accept the browser session: every caller, scripts and the interactive
docs alike ("Authorize" with a token), is a token with scopes and its own rate limit, and no request can be
forged by a page the user visits (so no CSRF token is needed). A token acts for its person in its one workspace,
with their role there (`actor_of`); once they are no longer a member, it is refused. Order of checks: the token
(401), its rate limit
(429), then the operation's scope and staff requirement (403). A request that reaches no operation (an unknown
path, a method the path lacks) still counts against a valid token, so it carries and spends the token's budget."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from tidings.accounts.models import User
from tidings.api.errors import Forbidden, Unauthorized
from tidings.api.models import ApiToken
from tidings.api.ratelimit import enforce
from tidings.api.scopes import STAFF_ONLY
from tidings.api.services import authenticate, authenticate_token
from tidings.workspaces.actors import Actor

_ACTOR = "tidings_actor"


class TokenAuth(HttpBearer):
    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found, actor = authenticate(token)
        setattr(request, _ACTOR, actor)
        enforce(request, found.pk)
        if self.scope is not None and self.scope not in found.scopes:
            raise Forbidden(f"This token lacks the {self.scope} scope.", scope=self.scope)
        if self.scope in STAFF_ONLY and not found.user.is_staff:
            raise Forbidden("Only staff may do this.", scope=self.scope)
        return found


def count_unrouted(request: HttpRequest) -> None:
    """Count a request no operation took against its token (RateLimited past the limit), as every request is:
    its 404 or 405 then shows the token's real budget, and a flood of them is throttled. Without a valid token
    there is nothing to count, and the 404 or 405 stands."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return
    try:
        found = authenticate_token(raw)
    except Unauthorized:
        return
    enforce(request, found.pk)


def needs(scope: str | None = None) -> TokenAuth:
    """The auth for an operation that needs `scope` (None: any valid token)."""
    return TokenAuth(scope)


def token_of(request: HttpRequest) -> ApiToken:
    token = getattr(request, "auth", None)
    assert isinstance(token, ApiToken)
    return token


def user_of(request: HttpRequest) -> User:
    return token_of(request).user


def actor_of(request: HttpRequest) -> Actor:
    """The token's person acting in the token's workspace, as authenticated for this request."""
    actor = getattr(request, _ACTOR, None)
    assert isinstance(actor, Actor)
    return actor
