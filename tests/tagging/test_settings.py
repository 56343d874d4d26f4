"""Who sets an account's tags, what values are taken, and which tags a target's links get: the account's setting,
overridden or switched off by the post's own choice."""

import pytest

from tests.conftest import create_account
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import InvalidInput, NotFound
from tidings.platforms.models import Platform
from tidings.posts.duplicate import duplicate_post
from tidings.posts.services import create_post, update_post
from tidings.tagging.models import AccountTagging, PostTagging
from tidings.tagging.selectors import PostChoice, Values, resolve, target_tags
from tidings.tagging.services import clean_choice, set_account_tagging
from tidings.tagging.utm import Tags
from tidings.workspaces.roles import RoleTooLow

pytestmark = pytest.mark.django_db


def test_the_owner_sets_an_account_and_its_blank_values_take_the_defaults(bob: User) -> None:
    account = create_account(bob, Platform.BLUESKY)
    row = set_account_tagging(owner(bob), account.pk, enabled=True, values=Values(source="  ", campaign=" spring "))
    assert (row.enabled, row.source, row.campaign) == (True, "", "spring")
    post = create_post(owner(bob), text="Hi", account_ids=[account.pk])
    assert target_tags(post.targets.get()) == Tags(source="bluesky", medium="social", campaign="spring")

    set_account_tagging(owner(bob), account.pk, enabled=False, values=Values(campaign="spring"))
    assert AccountTagging.objects.count() == 1
    assert target_tags(post.targets.get()) is None


def test_an_editor_cannot_change_an_accounts_tags_and_another_workspace_cannot_see_it(bob: User, carol: User) -> None:
    account = create_account(bob)
    editor = join(carol, workspace_of(bob), "editor")
    with pytest.raises(RoleTooLow):
        set_account_tagging(editor, account.pk, enabled=True, values=Values())
    with pytest.raises(NotFound):
        set_account_tagging(owner(carol), account.pk, enabled=True, values=Values())
    assert not AccountTagging.objects.exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (Values(campaign="x" * 101), "utm_campaign is at most 100 characters."),
        (Values(term="a\nb"), "utm_term cannot hold line breaks or control characters."),
    ],
)
def test_values_too_long_or_with_line_breaks_are_refused(bob: User, values: Values, message: str) -> None:
    account = create_account(bob)
    with pytest.raises(InvalidInput) as refused:
        set_account_tagging(owner(bob), account.pk, enabled=True, values=values)
    assert refused.value.message == message
    assert not AccountTagging.objects.exists()


def test_a_post_choice_is_one_of_three_and_only_on_keeps_values() -> None:
    assert clean_choice("off", campaign="spring") == PostChoice("off", Values())
    assert clean_choice("on", campaign=" spring ") == PostChoice("on", Values(campaign="spring"))
    with pytest.raises(InvalidInput) as refused:
        clean_choice("sometimes")
    assert refused.value.message == "Link tagging is one of: accounts, on, off."


def test_the_post_overrides_the_account_value_by_value() -> None:
    account = AccountTagging(enabled=True, source="mast", medium="", campaign="spring", term="bread")
    assert resolve("mastodon", account, PostChoice()) == Tags("mast", "social", "spring", "bread")
    assert resolve("mastodon", account, PostChoice("off")) is None
    on = PostChoice("on", Values(campaign="summer", content="banner"))
    assert resolve("mastodon", account, on) == Tags("mast", "social", "summer", "bread", "banner")
    # An account that does not tag: only a post that asks for it is tagged, over the defaults.
    assert resolve("mastodon", None, PostChoice()) is None
    assert resolve("x", AccountTagging(enabled=False, campaign="spring"), PostChoice()) is None
    assert resolve("x", None, on) == Tags("x", "social", "summer", "", "banner")


def test_the_post_choice_is_saved_with_the_post_and_replaced_by_an_edit(bob: User) -> None:
    account = create_account(bob)
    post = create_post(owner(bob), text="Hi", account_ids=[account.pk], tagging=PostChoice("on", Values(term="t")))
    assert list(PostTagging.objects.values_list("post_id", "mode", "term")) == [(post.pk, "on", "t")]
    update_post(owner(bob), post.pk, text="Hello")
    assert PostTagging.objects.get().mode == "on"
    update_post(owner(bob), post.pk, tagging=PostChoice("off"))
    assert list(PostTagging.objects.values_list("mode", "term")) == [("off", "")]
    update_post(owner(bob), post.pk, tagging=PostChoice())
    assert not PostTagging.objects.exists()


def test_a_duplicate_keeps_the_posts_choice(bob: User) -> None:
    account = create_account(bob)
    post = create_post(owner(bob), text="Hi", account_ids=[account.pk], tagging=PostChoice("on", Values(term="t")))
    copy = duplicate_post(owner(bob), post.pk).post
    assert list(PostTagging.objects.order_by("pk").values_list("post_id", "mode", "term")) == [
        (post.pk, "on", "t"),
        (copy.pk, "on", "t"),
    ]
