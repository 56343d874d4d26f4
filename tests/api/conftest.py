"""An API client per user: a token with every scope the user may have, sent as a Bearer header."""

import json
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.api.scopes import scopes_for
from tidings.api.services import create_token

BASE = "/api/v1"


class Api:
    """A JSON client for /api/v1 that sends `secret` as the Bearer token (none when it is None)."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.secret = secret

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        sent = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return {**sent, **(headers or {})}

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> HttpResponse:
        return self.client.get(BASE + path, params or {}, headers=self._headers(kw.get("headers")))  # type: ignore[return-value]

    def send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> HttpResponse:
        data = "" if body is None else json.dumps(body)
        call = getattr(self.client, method)
        return call(BASE + path, data=data, content_type="application/json", headers=self._headers(headers))  # type: ignore[no-any-return]

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> HttpResponse:
        return self.send("post", path, body, headers)

    def patch(self, path: str, body: Any = None) -> HttpResponse:
        return self.send("patch", path, body)

    def put(self, path: str, body: Any = None) -> HttpResponse:
        return self.send("put", path, body)

    def delete(self, path: str) -> HttpResponse:
        return self.send("delete", path)


def token(user: User, scopes: list[str] | None = None, **kwargs: Any) -> str:
    """A token acting in the person's own workspace, as its owner."""
    chosen = scopes if scopes is not None else list(scopes_for(is_staff=user.is_staff))
    return create_token(owner(user), name="test", scopes=chosen, **kwargs)[1]


def error(response: HttpResponse, status: int, code: str) -> dict[str, Any]:
    """The error body, after checking the status and the one shape every failure has."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


@pytest.fixture
def alice_api(alice: User) -> Api:
    return Api(token(alice))


@pytest.fixture
def bob_api(bob: User) -> Api:
    return Api(token(bob))


@pytest.fixture
def carol_api(carol: User) -> Api:
    return Api(token(carol))
