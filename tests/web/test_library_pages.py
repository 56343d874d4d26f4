"""The library page (snippets and hashtag groups added, changed, deleted), the composer's Insert menu and its
link-tagging choice (saved with the post, shown tagged in the preview), and an account's link-tagging page."""

import pytest
from django.test import Client

from tests.conftest import create_account
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.library.models import HashtagGroup, Snippet
from tidings.library.services import create_hashtag_group, create_snippet
from tidings.platforms.models import Platform
from tidings.posts.models import Post
from tidings.posts.services import create_post
from tidings.tagging.models import AccountTagging, PostTagging
from tidings.tagging.selectors import PostChoice, Values
from tidings.tagging.services import set_account_tagging

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_snippets_and_groups_are_added_changed_and_deleted_from_the_page(bob: User) -> None:
    client = logged_in(bob)
    assert "No snippets yet" in client.get("/library/").content.decode()
    answer = client.post(
        "/library/snippets/new/", {"snippet-name": "Sign-off", "snippet-text": "See you at the bakery!"}
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/library/#snippets"
    client.post("/library/hashtags/new/", {"group-name": "Bread", "group-hashtags": "#bread sourdough, #Bread"})
    assert HashtagGroup.objects.get().hashtags == ["#bread", "#sourdough"]
    page = client.get("/library/").content.decode()
    assert "See you at the bakery!" in page
    assert "#bread #sourdough" in page

    snippet = Snippet.objects.get()
    edit = client.get(f"/library/snippets/{snippet.pk}/").content.decode()
    assert 'name="snippet-name"' in edit
    assert 'value="Sign-off"' in edit
    client.post(f"/library/snippets/{snippet.pk}/", {"snippet-name": "Sign-off", "snippet-text": "Bye!"})
    assert Snippet.objects.get().text == "Bye!"
    client.post(f"/library/snippets/{snippet.pk}/delete/")
    group = HashtagGroup.objects.get()
    client.post(f"/library/hashtags/{group.pk}/", {"group-name": "Rye", "group-hashtags": "#rye"})
    assert list(HashtagGroup.objects.values_list("name", "hashtags")) == [("Rye", ["#rye"])]
    client.post(f"/library/hashtags/{group.pk}/delete/")
    assert not Snippet.objects.exists()
    assert not HashtagGroup.objects.exists()


def test_a_refusal_is_shown_on_the_form_and_nothing_is_saved(bob: User) -> None:
    client = logged_in(bob)
    create_snippet(owner(bob), name="Hours", text="8 to 4")
    bad = client.post("/library/hashtags/new/", {"group-name": "Bad", "group-hashtags": "#two-words"})
    assert bad.status_code == 400
    assert "“#two-words” is not a hashtag: use letters, digits and _ after the #." in bad.content.decode()
    taken = client.post("/library/snippets/new/", {"snippet-name": "Hours", "snippet-text": "again"})
    assert taken.status_code == 400
    assert "There is a snippet named “Hours” already; pick another name." in taken.content.decode()
    assert not HashtagGroup.objects.exists()
    assert list(Snippet.objects.values_list("text", flat=True)) == ["8 to 4"]


def test_a_contributor_sees_anothers_snippet_read_only_and_is_refused_a_change(alice: User, carol: User) -> None:
    snippet = create_snippet(owner(carol), name="Hours", text="8 to 4")
    join(alice, workspace_of(carol), "contributor")
    client = logged_in(alice)
    session = client.session
    session["workspace_id"] = workspace_of(carol).pk
    session.save()
    page = client.get(f"/library/snippets/{snippet.pk}/").content.decode()
    assert "Only its author, or an editor or above, can change this snippet." in page
    assert (
        client.post(f"/library/snippets/{snippet.pk}/", {"snippet-name": "x", "snippet-text": "x"}).status_code == 403
    )
    assert client.post(f"/library/snippets/{snippet.pk}/delete/").status_code == 403
    assert Snippet.objects.get().text == "8 to 4"


def test_the_composer_offers_the_workspaces_snippets_and_groups_to_insert(bob: User, carol: User) -> None:
    create_snippet(owner(bob), name="Sign-off", text="See you <soon>!")
    create_hashtag_group(owner(bob), name="Bread", hashtags=["#bread", "#rye"])
    create_snippet(owner(carol), name="Carol's", text="Not bob's")
    page = logged_in(bob).get("/compose/").content.decode()
    assert 'data-insert="See you &lt;soon&gt;!"' in page
    assert 'data-insert="#bread #rye"' in page
    assert "Not bob's" not in page
    assert "/static/web/insert.js" in page


def test_the_preview_shows_links_tagged_as_they_will_go_out(bob: User) -> None:
    account = create_account(bob, Platform.MASTODON)
    set_account_tagging(owner(bob), account.pk, enabled=True, values=Values(campaign="spring"))
    client = logged_in(bob)
    sent = {"accounts": [account.pk], "text": "Menu: https://example.com/menu", "link": "https://example.com/book"}
    utm = "utm_source=mastodon&amp;utm_medium=social&amp;utm_campaign=spring"

    preview = client.post("/compose/preview/", sent).content.decode()
    assert f"Menu: https://example.com/menu?{utm}" in preview
    assert f"https://example.com/book?{utm}" in preview

    summer = client.post("/compose/preview/", {**sent, "utm_mode": "on", "utm_campaign": "summer"}).content.decode()
    assert "utm_campaign=summer" in summer
    off = client.post("/compose/preview/", {**sent, "utm_mode": "off"}).content.decode()
    assert "utm_" not in off


def test_the_composer_saves_the_posts_choice_and_shows_it_again(bob: User) -> None:
    account = create_account(bob)
    client = logged_in(bob)
    sent = {"text": "Menu https://example.com", "accounts": [account.pk], "action": "draft"}
    client.post("/compose/", {**sent, "utm_mode": "on", "utm_campaign": "june"})
    post = Post.objects.get()
    assert list(PostTagging.objects.values_list("post_id", "mode", "campaign")) == [(post.pk, "on", "june")]
    assert post.text == "Menu https://example.com"
    page = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert 'value="on" checked' in page
    assert 'value="june"' in page

    refused = client.post(f"/posts/{post.pk}/edit/", {**sent, "utm_mode": "on", "utm_term": "x" * 101})
    assert "utm_term is at most 100 characters." in refused.content.decode()
    assert PostTagging.objects.get().campaign == "june"
    client.post(f"/posts/{post.pk}/edit/", {**sent, "utm_mode": "accounts"})
    assert not PostTagging.objects.exists()


def test_an_account_is_set_to_tag_its_links_on_its_own_page(bob: User, carol: User) -> None:
    account = create_account(bob, Platform.MASTODON)
    client = logged_in(bob)
    assert f'href="/connections/accounts/{account.pk}/tagging/"' in client.get("/connections/").content.decode()
    page = client.get(f"/connections/accounts/{account.pk}/tagging/").content.decode()
    assert "Blank: mastodon" in page
    answer = client.post(f"/connections/accounts/{account.pk}/tagging/", {"enabled": "on", "campaign": "spring"})
    assert answer.status_code == 302
    row = AccountTagging.objects.get()
    assert (row.enabled, row.source, row.medium, row.campaign) == (True, "", "", "spring")
    page = client.get(f"/connections/accounts/{account.pk}/tagging/").content.decode()
    assert "https://example.com/menu?utm_source=mastodon&amp;utm_medium=social&amp;utm_campaign=spring" in page
    editor = logged_in(carol)
    join(carol, workspace_of(bob), "editor")
    session = editor.session
    session["workspace_id"] = workspace_of(bob).pk
    session.save()
    assert editor.post(f"/connections/accounts/{account.pk}/tagging/", {"campaign": "x"}).status_code == 403
    assert AccountTagging.objects.get().campaign == "spring"


def test_a_post_with_its_choice_saved_previews_with_it_on_its_page(bob: User) -> None:
    account = create_account(bob)
    post = create_post(owner(bob), text="Hi", account_ids=[account.pk], tagging=PostChoice("off"))
    page = logged_in(bob).get(f"/posts/{post.pk}/edit/").content.decode()
    assert 'value="off" checked' in page
    assert "No account tags its links by default" in page
