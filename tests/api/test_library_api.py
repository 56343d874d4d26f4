"""Snippets, hashtag groups and link tagging through the API: the same rules as the web app, JSON in and out."""

from typing import Any

import pytest

from tests.api.conftest import Api, error, token
from tests.conftest import create_account
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.api.scopes import scopes_for
from tidings.api.services import create_token
from tidings.library.models import HashtagGroup, Snippet
from tidings.library.services import create_snippet
from tidings.platforms.models import Platform
from tidings.tagging.models import AccountTagging, PostTagging

pytestmark = pytest.mark.django_db


def snippet_out(body: dict[str, Any]) -> tuple[Any, ...]:
    return body["name"], body["text"]


def test_snippets_are_created_once_per_key_listed_read_changed_and_deleted(bob: User, bob_api: Api) -> None:
    key = {"Idempotency-Key": "snippet-1"}
    first = bob_api.post("/snippets", {"name": "Sign-off", "text": "See you!"}, headers=key)
    again = bob_api.post("/snippets", {"name": "Sign-off", "text": "See you!"}, headers=key)
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert first.json() == again.json()
    body = first.json()
    assert (snippet_out(body), body["author_id"]) == (("Sign-off", "See you!"), bob.pk)
    assert Snippet.objects.count() == 1
    listed = bob_api.get("/snippets").json()
    assert ([snippet_out(item) for item in listed["items"]], listed["count"]) == ([("Sign-off", "See you!")], 1)
    changed = bob_api.put(f"/snippets/{body['id']}", {"name": "Bye", "text": "Bye now"})
    assert snippet_out(changed.json()) == ("Bye", "Bye now")
    assert snippet_out(bob_api.get(f"/snippets/{body['id']}").json()) == ("Bye", "Bye now")
    assert bob_api.delete(f"/snippets/{body['id']}").status_code == 204
    error(bob_api.get(f"/snippets/{body['id']}"), 404, "not_found")


def test_a_hashtag_group_is_cleaned_and_bad_tags_are_refused(bob_api: Api) -> None:
    made = bob_api.post("/hashtag-groups", {"name": "Bread", "hashtags": ["#bread", "Sourdough", "#BREAD"]})
    assert made.status_code == 201
    assert made.json()["hashtags"] == ["#bread", "#Sourdough"]
    refused = error(bob_api.post("/hashtag-groups", {"name": "Bad", "hashtags": ["#two words!"]}), 400, "invalid_input")
    assert refused["field"] == "hashtags"
    assert error(bob_api.post("/hashtag-groups", {"name": "Bread", "hashtags": ["#x"]}), 409, "conflict")["field"] == (
        "name"
    )
    group_id = made.json()["id"]
    assert bob_api.put(f"/hashtag-groups/{group_id}", {"name": "Rye", "hashtags": ["rye"]}).json()["hashtags"] == [
        "#rye"
    ]
    assert [g["name"] for g in bob_api.get("/hashtag-groups").json()["items"]] == ["Rye"]
    assert bob_api.delete(f"/hashtag-groups/{group_id}").status_code == 204
    assert not HashtagGroup.objects.exists()


def test_a_contributor_cannot_change_anothers_snippet_and_a_stranger_cannot_see_it(
    alice: User, bob: User, carol: User
) -> None:
    snippet = create_snippet(owner(carol), name="Hours", text="8 to 4")
    writer = join(bob, workspace_of(carol), "contributor")
    contributor = Api(create_token(writer, name="t", scopes=list(scopes_for(is_staff=False)))[1])
    refused = error(contributor.put(f"/snippets/{snippet.pk}", {"name": "x", "text": "x"}), 403, "role_too_low")
    assert (refused["needed"], refused["action"]) == ("editor", "approve")
    error(Api(token(alice)).get(f"/snippets/{snippet.pk}"), 404, "not_found")
    assert Snippet.objects.get().text == "8 to 4"


def test_an_accounts_tags_are_set_and_shown_with_it(bob: User, bob_api: Api) -> None:
    account = create_account(bob, Platform.MASTODON)
    assert bob_api.get(f"/accounts/{account.pk}").json()["utm"] == {
        "enabled": False,
        "source": "",
        "medium": "",
        "campaign": "",
        "term": "",
        "content": "",
    }
    answer = bob_api.put(f"/accounts/{account.pk}/utm", {"enabled": True, "campaign": "spring"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["utm"] == {
        "enabled": True,
        "source": "",
        "medium": "",
        "campaign": "spring",
        "term": "",
        "content": "",
    }
    assert bob_api.get("/accounts").json()["items"][0]["utm"]["campaign"] == "spring"
    refused = error(bob_api.put(f"/accounts/{account.pk}/utm", {"enabled": True, "term": "a\tb"}), 400, "invalid_input")
    assert refused["field"] == "utm_term"
    assert AccountTagging.objects.get().term == ""


def test_a_posts_own_tagging_is_created_read_and_replaced(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    made = bob_api.post(
        "/posts",
        {"text": "Menu https://example.com", "account_ids": [account.pk], "utm": {"mode": "on", "campaign": "june"}},
    )
    assert made.status_code == 201, made.content
    post = made.json()
    assert post["utm"] == {"mode": "on", "source": "", "medium": "", "campaign": "june", "term": "", "content": ""}
    assert post["text"] == "Menu https://example.com"
    changed = bob_api.patch(f"/posts/{post['id']}", {"utm": {"mode": "off"}}).json()
    assert changed["utm"]["mode"] == "off"
    assert bob_api.patch(f"/posts/{post['id']}", {"text": "Menu"}).json()["utm"]["mode"] == "off"
    assert [p["utm"]["mode"] for p in bob_api.get("/posts").json()["items"]] == ["off"]
    error(bob_api.patch(f"/posts/{post['id']}", {"utm": {"mode": "sometimes"}}), 400, "invalid_input")
    assert PostTagging.objects.get().mode == "off"
