"""Personal access tokens: created with a secret shown once (only its SHA-256 is stored), checked, revoked.

A token reads `tdg_<prefix>_<secret>`: the prefix finds the row, the hash of the whole token proves it. A token acts
for its person in one workspace, with the role their membership there has now: once the membership ends, the token
stops working. A token minted by another token (through the API) has a parent: it acts in the parent's workspace and
cannot outlive it, outrank it, or survive its revocation.
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from tidings.accounts.models import User
from tidings.api.errors import Forbidden, Unauthorized
from tidings.api.models import ApiToken
from tidings.api.scopes import SCOPES, STAFF_ONLY
from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Membership, Workspace
from tidings.workspaces.roles import Role

TOKEN_PREFIX = "tdg"  # noqa: S105 (the public marker of a token, not a secret)
# Writing last_used_at on every request would make every read a write: once a minute is enough to be useful.
LAST_USED_EVERY = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_scopes(user: User, scopes: Iterable[str], *, parent: ApiToken | None) -> list[str]:
    wanted = list(dict.fromkeys(scopes))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise InvalidInput(f"Unknown scope {unknown[0]!r}; known scopes: {', '.join(SCOPES)}.", field="scopes")
    if not wanted:
        raise InvalidInput("Choose at least one scope.", field="scopes")
    if not user.is_staff and STAFF_ONLY & set(wanted):
        raise Forbidden("Only staff may have the events scope.", field="scopes")
    if parent is not None and not set(wanted) <= set(parent.scopes):
        raise Forbidden("A token can only create tokens with scopes it has itself.", field="scopes")
    return wanted


def _bounded_expiry(expires_at: datetime | None, parent: ApiToken | None) -> datetime | None:
    """A minted token expires no later than its parent: a later expiry, or none, becomes the parent's."""
    if parent is None or parent.expires_at is None:
        return expires_at
    return parent.expires_at if expires_at is None else min(expires_at, parent.expires_at)


def _lock_live_parent(parent: ApiToken) -> None:
    """Lock the parent's row and check it again: a revocation that lands between the caller's authentication
    and the insert either waits for the child to exist (and revokes it too) or is seen here."""
    row = ApiToken.objects.select_for_update().filter(pk=parent.pk).values("revoked_at", "expires_at").get()
    if row["revoked_at"] is not None:
        raise Unauthorized("This API token was revoked.")
    if row["expires_at"] is not None and row["expires_at"] <= timezone.now():
        raise Unauthorized("This API token has expired.")


def create_token(
    actor: Actor,
    *,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    parent: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """A new token for the actor's person in the actor's workspace, and its secret, which is not stored and cannot
    be shown again. `parent` is the token that mints it (through the API, so the actor is the parent's): the new one
    acts in the parent's workspace with at most its scopes (else 403) and at most its expiry (capped)."""
    user = actor.user
    if user is None:
        raise InvalidInput("A token is always some person's; Tidings itself has none.")
    workspace = parent.workspace if parent is not None else actor.workspace
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Name the token (at most 100 characters).", field="name")
    cleaned = _clean_scopes(user, scopes, parent=parent)
    expires_at = _bounded_expiry(expires_at, parent)
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("The expiry is in the past.", field="expires_at")
    for _ in range(3):
        prefix = secrets.token_hex(6)
        raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                if parent is not None:
                    _lock_live_parent(parent)
                token = ApiToken.objects.create(
                    user=user,
                    workspace=workspace,
                    name=name,
                    prefix=prefix,
                    secret_hash=hash_token(raw),
                    scopes=cleaned,
                    expires_at=expires_at,
                    parent=parent,
                )
        except IntegrityError:
            continue
        return token, raw
    raise Conflict("Could not make a unique token; try again.")


def authenticate_token(raw: str) -> ApiToken:
    return authenticate(raw)[0]


def authenticate(raw: str) -> tuple[ApiToken, Actor]:
    """The live token for `raw` and who acts through it; Unauthorized when it is unknown, wrong, revoked, expired,
    its user inactive or no longer a member of the token's workspace."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise Unauthorized("That is not a Tidings API token.")
    token = ApiToken.objects.select_related("user", "workspace").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, hash_token(raw.strip())):
        raise Unauthorized("Unknown API token.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise Unauthorized("This API token was revoked.")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("This API token has expired.")
    if not token.user.is_active:
        raise Unauthorized("The token's user is deactivated.")
    actor = token_actor(token)
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, actor


def token_actor(token: ApiToken) -> Actor:
    """The token's person acting in the token's workspace with their role there now; Unauthorized once they have
    left it (or been removed), since a token never outlasts the membership it acts through."""
    member = Membership.objects.filter(user_id=token.user_id, workspace_id=token.workspace_id)
    found = member.values_list("role", flat=True).first()
    if found is None:
        raise Unauthorized("The token's user is no longer a member of the token's workspace.")
    return Actor(workspace=token.workspace, user=token.user, role=Role(found))


def get_token(user: User, token_id: int, *, workspace: Workspace | None = None) -> ApiToken:
    """One of the person's tokens (of one workspace, when given: a token reaches no further than its own)."""
    tokens = ApiToken.objects.filter(user=user)
    if workspace is not None:
        tokens = tokens.filter(workspace=workspace)
    try:
        return tokens.get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise NotFound("No such API token.") from None


def revoke_token(user: User, token_id: int, *, workspace: Workspace | None = None) -> ApiToken:
    """Revoke the user's token at once, and every token it minted, transitively; revoking it again changes
    nothing. The parent's row is written first, so a mint that holds its lock finishes before the tree is read."""
    token = get_token(user, token_id, workspace=workspace)
    now = timezone.now()
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        level = [token.pk]
        while level:
            level = list(ApiToken.objects.filter(parent_id__in=level).values_list("pk", flat=True))
            ApiToken.objects.filter(pk__in=level, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db()
    return token
