"""Tokens: hashed at rest, checked on every request (401), scoped per operation (403), revocable, expiring."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import Api, error, token
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.api.errors import Forbidden
from tidings.api.models import ApiToken
from tidings.api.services import create_token, revoke_token

pytestmark = pytest.mark.django_db


def test_the_database_holds_only_a_hash_of_the_secret(alice: User) -> None:
    row, secret = create_token(owner(alice), name="script", scopes=["posts:read"])
    assert secret.startswith(f"tdg_{row.prefix}_")
    stored = ApiToken.objects.filter(pk=row.pk).values().get()
    assert secret not in repr(stored)
    assert secret.split("_", 2)[2] not in repr(stored)
    assert stored["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()


def test_a_valid_token_works_and_records_its_use(alice: User) -> None:
    secret = token(alice, ["posts:read"])
    response = Api(secret).get("/posts")
    assert response.status_code == 200
    assert ApiToken.objects.get(user=alice).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer nonsense", "Basic YWxpY2U6cHc=", "Bearer tdg_000000000000_wrong"],
)
def test_missing_or_unknown_tokens_are_401(alice: User, header: str | None) -> None:
    api = Api(None)
    headers = {"Authorization": header} if header else {}
    response = api.client.get("/api/v1/posts", headers=headers)
    error(response, 401, "unauthorized")  # type: ignore[arg-type]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_right_prefix_with_a_wrong_secret_is_401(alice: User) -> None:
    secret = token(alice)
    forged = secret[:-4] + ("aaaa" if not secret.endswith("aaaa") else "bbbb")
    error(Api(forged).get("/posts"), 401, "unauthorized")


def test_a_revoked_token_is_401_at_once(alice: User) -> None:
    row, secret = create_token(owner(alice), name="script", scopes=["posts:read"])
    assert Api(secret).get("/posts").status_code == 200
    revoke_token(alice, row.pk)
    body = error(Api(secret).get("/posts"), 401, "unauthorized")
    assert "revoked" in body["message"]


def test_an_expired_token_is_401(alice: User) -> None:
    row, secret = create_token(
        owner(alice), name="script", scopes=["posts:read"], expires_at=timezone.now() + timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = error(Api(secret).get("/posts"), 401, "unauthorized")
    assert "expired" in body["message"]


def test_a_deactivated_users_token_is_401(alice: User) -> None:
    secret = token(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    error(Api(secret).get("/posts"), 401, "unauthorized")


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("get", "/posts", "posts:read"),
        ("post", "/posts", "posts:write"),
        ("get", "/accounts", "accounts:read"),
        ("post", "/accounts/1/disconnect", "accounts:write"),
        ("post", "/generate", "generate"),
        ("get", "/automation/rules", "automation"),
        ("get", "/notifications", "notifications"),
        ("get", "/credits", "credits:read"),
        ("get", "/credits/ledger", "credits:read"),
        ("get", "/usage", "credits:read"),
        ("get", "/tokens", "tokens"),
    ],
)
def test_a_token_without_the_operations_scope_is_403(alice: User, method: str, path: str, scope: str) -> None:
    api = Api(token(alice, ["notifications"] if scope != "notifications" else ["posts:read"]))
    response = api.get(path) if method == "get" else api.post(path, {})
    body = error(response, 403, "forbidden")
    assert body["scope"] == scope


def test_plan_and_current_token_need_no_particular_scope(alice: User) -> None:
    api = Api(token(alice, ["notifications"]))
    assert api.get("/plan").status_code == 200
    assert api.get("/tokens/current").json()["scopes"] == ["notifications"]


def test_scopes_are_checked_when_a_token_is_made(alice: User) -> None:
    from tidings.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as unknown:
        create_token(owner(alice), name="x", scopes=["posts:everything"])
    assert unknown.value.details == {"field": "scopes"}
    with pytest.raises(InvalidInput):
        create_token(owner(alice), name="x", scopes=[])
    with pytest.raises(Forbidden, match="staff"):
        create_token(owner(alice), name="x", scopes=["events"])
    with pytest.raises(InvalidInput) as past:
        create_token(owner(alice), name="x", scopes=["posts:read"], expires_at=timezone.now() - timedelta(days=1))
    assert past.value.details == {"field": "expires_at"}
