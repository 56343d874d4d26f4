"""A token minted by a token: no later expiry and no more scopes than its parent, and revoked with it."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import Api, error, token
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.api.errors import Unauthorized
from tidings.api.models import ApiToken
from tidings.api.services import authenticate_token, create_token, revoke_token

pytestmark = pytest.mark.django_db


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _mint(api: Api, name: str, scopes: list[str], **body: object) -> dict[str, object]:
    response = api.post("/tokens", {"name": name, "scopes": scopes, **body})
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


def test_a_minted_token_expires_no_later_than_its_parent(alice: User) -> None:
    parent_expiry = (timezone.now() + timedelta(hours=1)).replace(microsecond=0)
    parent = Api(token(alice, ["tokens", "posts:read"], expires_at=parent_expiry))
    parent_id = parent.get("/tokens/current").json()["id"]
    sooner = parent_expiry - timedelta(minutes=30)

    forever = _mint(parent, "forever", ["posts:read"])
    later = _mint(parent, "later", ["posts:read"], expires_at=_iso(parent_expiry + timedelta(days=30)))
    early = _mint(parent, "early", ["posts:read"], expires_at=_iso(sooner))

    assert [forever["expires_at"], later["expires_at"], early["expires_at"]] == [
        _iso(parent_expiry),
        _iso(parent_expiry),
        _iso(sooner),
    ]
    assert {forever["parent_id"], later["parent_id"], early["parent_id"]} == {parent_id}
    assert list(ApiToken.objects.filter(parent_id=parent_id).values_list("expires_at", flat=True).order_by("id")) == [
        parent_expiry,
        parent_expiry,
        sooner,
    ]


def test_a_token_that_never_expires_mints_what_was_asked(alice: User) -> None:
    parent = Api(token(alice, ["tokens"]))
    assert _mint(parent, "open", ["tokens"])["expires_at"] is None


def test_a_minted_token_cannot_have_a_scope_its_parent_lacks(alice: User) -> None:
    parent = Api(token(alice, ["tokens", "posts:read"]))
    body = error(parent.post("/tokens", {"name": "w", "scopes": ["posts:read", "posts:write"]}), 403, "forbidden")
    assert body["field"] == "scopes"
    assert ApiToken.objects.count() == 1


def test_revoking_a_token_revokes_what_it_minted_transitively(alice: User) -> None:
    root = Api(token(alice, ["tokens", "posts:read"]))
    child = _mint(root, "child", ["tokens", "posts:read"])
    grandchild = _mint(Api(str(child["token"])), "grandchild", ["posts:read"])
    assert grandchild["parent_id"] == child["id"]
    sibling = Api(token(alice, ["tokens", "posts:read"]))

    sibling.delete(f"/tokens/{root.get('/tokens/current').json()['id']}")

    for secret in (root.secret, child["token"], grandchild["token"]):
        assert "revoked" in error(Api(str(secret)).get("/posts"), 401, "unauthorized")["message"]
    assert sibling.get("/posts").status_code == 200
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_revoking_a_minted_token_leaves_its_parent(alice: User) -> None:
    parent = Api(token(alice, ["tokens", "posts:read"]))
    child = _mint(parent, "child", ["posts:read"])
    assert parent.delete(f"/tokens/{child['id']}").json()["revoked_at"] is not None
    error(Api(str(child["token"])).get("/posts"), 401, "unauthorized")
    assert parent.get("/posts").status_code == 200


def test_revoking_on_the_settings_page_revokes_what_it_minted(client: Client, alice: User) -> None:
    row, secret = create_token(owner(alice), name="script", scopes=["tokens", "posts:read"])
    child = _mint(Api(secret), "child", ["posts:read"])
    client.force_login(alice)
    assert client.post(f"/api/v1/tokens/ui/{row.pk}/revoke/").status_code == 302
    error(Api(str(child["token"])).get("/posts"), 401, "unauthorized")


def test_a_parent_revoked_while_minting_mints_nothing(alice: User) -> None:
    row, secret = create_token(owner(alice), name="script", scopes=["tokens"])
    caller = authenticate_token(secret)
    revoke_token(alice, row.pk)  # after the caller's check, before the mint
    with pytest.raises(Unauthorized, match="revoked"):
        create_token(owner(alice), name="late", scopes=["tokens"], parent=caller)
    assert ApiToken.objects.count() == 1
