from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import Api, error, token
from tidings.accounts.models import User
from tidings.api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_create_list_and_revoke_tokens(alice: User) -> None:
    api = Api(token(alice, ["tokens", "posts:read", "posts:write"]))
    created = api.post("/tokens", {"name": "reader", "scopes": ["posts:read"]})
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith(f"tdg_{body['prefix']}_")
    assert Api(body["token"]).get("/posts").status_code == 200
    listed = api.get("/tokens").json()["items"]
    assert [t["name"] for t in listed] == ["reader", "test"]
    assert "token" not in listed[0]
    revoked = api.delete(f"/tokens/{body['id']}").json()
    assert revoked["revoked_at"] is not None
    error(Api(body["token"]).get("/posts"), 401, "unauthorized")


def test_a_token_cannot_make_a_stronger_one(alice: User) -> None:
    api = Api(token(alice, ["tokens", "posts:read"]))
    body = error(api.post("/tokens", {"name": "writer", "scopes": ["posts:write"]}), 403, "forbidden")
    assert body["field"] == "scopes"
    assert error(api.post("/tokens", {"name": "x", "scopes": ["root"]}), 400, "invalid_input")["field"] == "scopes.0"
    assert ApiToken.objects.count() == 1


def test_expiry_may_be_a_local_time(alice: User) -> None:
    api = Api(token(alice, ["tokens"]))
    naive = (timezone.now() + timedelta(days=30)).replace(tzinfo=None, microsecond=0)
    body = api.post("/tokens", {"name": "monthly", "scopes": ["tokens"], "expires_at": naive.isoformat()}).json()
    assert body["expires_at"].startswith(naive.isoformat()[:16])
    assert (
        error(
            api.post("/tokens", {"name": "old", "scopes": ["tokens"], "expires_at": "2001-01-01T00:00:00Z"}),
            400,
            "invalid_input",
        )["field"]
        == "expires_at"
    )


def test_another_users_token_is_404(alice: User, bob: User) -> None:
    theirs = ApiToken.objects.get(pk=Api(token(bob)).get("/tokens/current").json()["id"])
    error(Api(token(alice, ["tokens"])).delete(f"/tokens/{theirs.pk}"), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
