"""Snippets and hashtag groups: what is taken, who may add and change them, and that each workspace sees its own."""

import pytest

from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput, NotFound
from tidings.library.models import HashtagGroup, Snippet
from tidings.library.selectors import get_snippet, snippets_of
from tidings.library.services import (
    clean_hashtags,
    create_hashtag_group,
    create_snippet,
    delete_hashtag_group,
    delete_snippet,
    update_hashtag_group,
    update_snippet,
)
from tidings.workspaces.plan import set_tier_limits
from tidings.workspaces.roles import RoleTooLow

pytestmark = pytest.mark.django_db


def test_hashtags_are_each_kept_once_in_order_with_their_hash() -> None:
    assert clean_hashtags(["#Bakery sourdough, #bakery  #café_2026", "#Sourdough"]) == [
        "#Bakery",
        "#sourdough",
        "#café_2026",
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["#two-words"], "“#two-words” is not a hashtag: use letters, digits and _ after the #."),
        (["#2026"], "“#2026” is not a hashtag: use letters, digits and _ after the #."),
        (["##bread"], "“##bread” is not a hashtag: use letters, digits and _ after the #."),
        (["  ,  "], "Add at least one hashtag."),
        ([" ".join(f"#tag{n}a" for n in range(31))], "A group holds at most 30 hashtags."),
    ],
)
def test_anything_but_hashtags_is_refused_naming_it(raw: list[str], message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_hashtags(raw)
    assert refused.value.message == message


def test_a_snippet_and_a_group_are_saved_changed_and_deleted(bob: User) -> None:
    snippet = create_snippet(owner(bob), name="  Sign   off ", text="See you soon!\n— The bakery")
    assert (snippet.name, snippet.text, snippet.author_id) == ("Sign off", "See you soon!\n— The bakery", bob.pk)
    update_snippet(owner(bob), snippet.pk, name="Sign-off", text="Bye")
    assert list(Snippet.objects.values_list("name", "text")) == [("Sign-off", "Bye")]
    group = create_hashtag_group(owner(bob), name="Bread", hashtags=["#bread", "sourdough"])
    assert group.text == "#bread #sourdough"
    update_hashtag_group(owner(bob), group.pk, name="Bread", hashtags=["#rye"])
    assert HashtagGroup.objects.get().hashtags == ["#rye"]
    delete_snippet(owner(bob), snippet.pk)
    delete_hashtag_group(owner(bob), group.pk)
    assert not Snippet.objects.exists()
    assert not HashtagGroup.objects.exists()


def test_names_are_unique_in_a_workspace_and_a_refusal_changes_nothing(bob: User, carol: User) -> None:
    first = create_snippet(owner(bob), name="Hours", text="Open 8 to 4")
    create_snippet(owner(carol), name="Hours", text="Another workspace may use the name")
    with pytest.raises(Conflict) as refused:
        create_snippet(owner(bob), name="Hours", text="Again")
    assert refused.value.message == "There is a snippet named “Hours” already; pick another name."
    other = create_snippet(owner(bob), name="Address", text="1 Main St")
    with pytest.raises(Conflict):
        update_snippet(owner(bob), other.pk, name="Hours", text="Changed")
    with pytest.raises(InvalidInput):
        update_snippet(owner(bob), first.pk, name="", text="Changed")
    with pytest.raises(InvalidInput):
        create_snippet(owner(bob), name="Empty", text="  ")
    assert list(snippets_of(workspace_of(bob)).values_list("name", "text")) == [
        ("Address", "1 Main St"),
        ("Hours", "Open 8 to 4"),
    ]


def test_a_contributor_adds_and_changes_their_own_and_an_editor_anyones(alice: User, bob: User, carol: User) -> None:
    workspace = workspace_of(carol)
    set_tier_limits(workspace, overrides={"members": 10})
    writer, editor = join(alice, workspace, "contributor"), join(bob, workspace, "editor")
    mine = create_snippet(writer, name="Mine", text="By alice")
    theirs = create_snippet(owner(carol), name="Theirs", text="By carol")
    update_snippet(writer, mine.pk, name="Mine", text="Changed by alice")
    for change in (
        lambda: update_snippet(writer, theirs.pk, name="Theirs", text="Taken over"),
        lambda: delete_snippet(writer, theirs.pk),
    ):
        with pytest.raises(RoleTooLow) as refused:
            change()
        assert refused.value.message == "Only its author, or an Editor or above, can change or delete “Theirs”."
        assert refused.value.details == {"role": "contributor", "needed": "editor", "action": "approve"}
    update_snippet(editor, theirs.pk, name="Theirs", text="Tidied by bob")
    delete_snippet(editor, mine.pk)
    assert list(Snippet.objects.values_list("name", "text")) == [("Theirs", "Tidied by bob")]


def test_a_viewer_sees_but_cannot_add_change_or_delete(alice: User, carol: User) -> None:
    viewer = join(alice, workspace_of(carol), "viewer")
    snippet = create_snippet(owner(carol), name="Hours", text="Open 8 to 4")
    group = create_hashtag_group(owner(carol), name="Bread", hashtags=["#bread"])
    assert get_snippet(viewer.workspace, snippet.pk) == snippet
    for refused in (
        lambda: create_snippet(viewer, name="x", text="x"),
        lambda: update_snippet(viewer, snippet.pk, name="x", text="x"),
        lambda: delete_snippet(viewer, snippet.pk),
        lambda: create_hashtag_group(viewer, name="x", hashtags=["#x"]),
        lambda: delete_hashtag_group(viewer, group.pk),
    ):
        with pytest.raises(RoleTooLow):
            refused()
    assert list(Snippet.objects.values_list("name", "text")) == [("Hours", "Open 8 to 4")]
    assert list(HashtagGroup.objects.values_list("name", "hashtags")) == [("Bread", ["#bread"])]


def test_another_workspaces_items_are_as_absent_as_missing_ones(bob: User, carol: User) -> None:
    snippet = create_snippet(owner(carol), name="Hours", text="Open 8 to 4")
    group = create_hashtag_group(owner(carol), name="Bread", hashtags=["#bread"])
    for reach in (
        lambda: get_snippet(workspace_of(bob), snippet.pk),
        lambda: update_snippet(owner(bob), snippet.pk, name="x", text="x"),
        lambda: delete_snippet(owner(bob), snippet.pk),
        lambda: update_hashtag_group(owner(bob), group.pk, name="x", hashtags=["#x"]),
        lambda: delete_hashtag_group(owner(bob), group.pk),
    ):
        with pytest.raises(NotFound):
            reach()
    assert Snippet.objects.get().text == "Open 8 to 4"
    assert HashtagGroup.objects.get().hashtags == ["#bread"]
