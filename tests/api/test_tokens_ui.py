"""The token page: login required, the secret shown once, revoke by POST with CSRF."""

import re

import pytest
from django.test import Client

from tests.api.conftest import Api, error
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.api.models import ApiToken
from tidings.web.auth import WORKSPACE_KEY
from tidings.workspaces.roles import Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/tokens/ui/"


def test_the_page_needs_a_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.post(URL, {"name": "x", "scopes": ["posts:read"]}).status_code == 302
    assert not ApiToken.objects.exists()


def test_create_shows_the_secret_once(client: Client, alice: User) -> None:
    client.force_login(alice)
    page = client.get(URL).content.decode()
    assert "No tokens yet." in page
    assert 'value="events"' not in page
    response = client.post(URL, {"name": "my script", "scopes": ["posts:read", "posts:write"], "expires_in_days": "30"})
    assert response["Cache-Control"] == "no-store"
    shown = re.search(r'<code id="token-secret">(tdg_[^<]+)</code>', response.content.decode())
    assert shown is not None
    secret = shown.group(1)
    assert Api(secret).get("/posts").status_code == 200
    row = ApiToken.objects.get()
    assert (row.name, row.scopes, row.expires_at is not None) == ("my script", ["posts:read", "posts:write"], True)
    assert (row.parent_id, row.workspace) == (None, workspace_of(alice))
    again = client.get(URL).content.decode()
    assert secret not in again
    assert f"tdg_{row.prefix}_…" in again


def test_bad_input_is_shown_on_the_form(client: Client, alice: User) -> None:
    client.force_login(alice)
    page = client.post(URL, {"name": "", "scopes": ["events"]}).content.decode()
    assert "This field is required." in page
    assert "Select a valid choice." in page
    assert not ApiToken.objects.exists()


def test_staff_may_give_the_events_scope(client: Client, carol: User) -> None:
    User.objects.filter(pk=carol.pk).update(is_staff=True)
    client.force_login(carol)
    assert 'value="events"' in client.get(URL).content.decode()


def test_revoke_needs_post_and_csrf(alice: User, bob: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(URL).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf is not None
    client.post(URL, {"name": "s", "scopes": ["posts:read"], "csrfmiddlewaretoken": csrf.group(1)})
    row = ApiToken.objects.get()
    revoke = f"{URL}{row.pk}/revoke/"
    assert client.get(revoke).status_code == 405
    assert client.post(revoke).status_code == 403
    row.refresh_from_db()
    assert row.revoked_at is None
    response = client.post(revoke, {"csrfmiddlewaretoken": csrf.group(1)})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert "revoked" in client.get(URL).content.decode()


def test_another_users_token_cannot_be_revoked(client: Client, alice: User, bob: User) -> None:
    from tidings.api.services import create_token

    theirs, secret = create_token(owner(bob), name="bob's", scopes=["posts:read"])
    client.force_login(alice)
    assert client.post(f"{URL}{theirs.pk}/revoke/").status_code == 404
    assert Api(secret).get("/posts").status_code == 200
    error(Api(secret + "x").get("/posts"), 401, "unauthorized")


def test_a_token_made_while_working_in_another_workspace_acts_there(client: Client, alice: User, bob: User) -> None:
    join(bob, workspace_of(alice), Role.EDITOR)
    client.force_login(bob)
    session = client.session
    session[WORKSPACE_KEY] = workspace_of(alice).pk
    session.save()
    client.post(URL, {"name": "for alice's", "scopes": ["posts:read"]})
    row = ApiToken.objects.get()
    assert (row.user, row.workspace) == (bob, workspace_of(alice))
    assert "alice&#x27;s workspace" in client.get(URL).content.decode()
