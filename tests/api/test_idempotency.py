"""Idempotency-Key on create: a replay answers the same and creates nothing; another body with the key is 409."""

import pytest

from tests.api.conftest import Api, error
from tests.conftest import create_account
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.api.models import IdempotencyRecord
from tidings.api.services import create_token
from tidings.automation.models import AutomationRule
from tidings.posts.models import Post
from tidings.workspaces.roles import Role
from tidings.workspaces.services import acting_as

pytestmark = pytest.mark.django_db
KEY = {"Idempotency-Key": "create-hello-1"}


def test_a_replay_returns_the_same_answer_and_creates_one_post(bob: User, bob_api: Api) -> None:
    body = {"text": "Hello", "account_ids": [create_account(bob).pk]}
    first = bob_api.post("/posts", body, headers=KEY)
    again = bob_api.post("/posts", body, headers=KEY)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert Post.objects.count() == 1


def test_the_same_key_with_another_body_is_409(bob: User, bob_api: Api) -> None:
    assert bob_api.post("/posts", {"text": "Hello"}, headers=KEY).status_code == 201
    body = error(bob_api.post("/posts", {"text": "Goodbye"}, headers=KEY), 409, "conflict")
    assert body["field"] == "Idempotency-Key"
    assert list(Post.objects.values_list("text", flat=True)) == ["Hello"]


def test_keys_belong_to_one_user(alice: User, bob: User, alice_api: Api, bob_api: Api) -> None:
    assert alice_api.post("/posts", {"text": "Hello"}, headers=KEY).status_code == 201
    assert bob_api.post("/posts", {"text": "Hello"}, headers=KEY).status_code == 201
    assert sorted(Post.objects.values_list("author__username", flat=True)) == ["alice", "bob"]
    assert sorted(Post.objects.values_list("workspace__personal_owner__username", flat=True)) == ["alice", "bob"]


def test_a_key_used_in_another_workspace_is_a_conflict_not_a_replay(alice: User, bob: User, bob_api: Api) -> None:
    # Bob is an editor in alice's workspace too: the same key and body there must not answer with his own post.
    join(bob, workspace_of(alice), Role.EDITOR)
    in_alice = Api(create_token(acting_as(bob, workspace_of(alice).pk), name="t", scopes=["posts:write"])[1])
    first = bob_api.post("/posts", {"text": "Hello"}, headers=KEY)
    assert first.status_code == 201
    error(in_alice.post("/posts", {"text": "Hello"}, headers=KEY), 409, "conflict")
    assert list(Post.objects.filter(workspace=workspace_of(alice)).values_list("text", flat=True)) == []
    assert Post.objects.get().pk == first.json()["id"]


def test_a_refused_request_keeps_no_answer_so_it_can_be_fixed_and_sent_again(
    alice: User, bob: User, bob_api: Api
) -> None:
    theirs = create_account(alice)
    error(bob_api.post("/posts", {"text": "x", "account_ids": [theirs.pk]}, headers=KEY), 400, "invalid_input")
    assert not IdempotencyRecord.objects.exists()
    mine = create_account(bob)
    assert bob_api.post("/posts", {"text": "x", "account_ids": [mine.pk]}, headers=KEY).status_code == 201


def test_a_key_still_running_is_409(bob: User, bob_api: Api) -> None:
    bob_api.post("/posts", {"text": "Hello"}, headers=KEY)
    IdempotencyRecord.objects.update(status_code=None, response_body=None)
    assert "still running" in error(bob_api.post("/posts", {"text": "Hello"}, headers=KEY), 409, "conflict")["message"]


def test_a_key_that_is_too_long_is_400(bob_api: Api) -> None:
    body = error(bob_api.post("/posts", {"text": "x"}, headers={"Idempotency-Key": "k" * 256}), 400, "invalid_input")
    assert body["field"] == "Idempotency-Key"
    assert not Post.objects.exists()


def test_rules_are_idempotent_too(bob: User, bob_api: Api) -> None:
    rule = {
        "name": "Daily",
        "schedule": "0 9 * * *",
        "brief": {"topic": "Bread"},
        "account_ids": [create_account(bob).pk],
    }
    first = bob_api.post("/automation/rules", rule, headers=KEY)
    again = bob_api.post("/automation/rules", rule, headers=KEY)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert AutomationRule.objects.count() == 1
