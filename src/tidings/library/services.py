"""Saving and deleting snippets and hashtag groups. Anyone who writes drafts may add them and change their own;
changing or deleting another member's takes the right to approve posts (editors and above)."""

import logging
import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from tidings.core.errors import Conflict, InvalidInput
from tidings.library.models import NAME_LENGTH, HashtagGroup, Snippet
from tidings.library.selectors import get_hashtag_group, get_snippet
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import NEEDS, Action, RoleTooLow

logger = logging.getLogger("tidings.library")
MAX_SNIPPET = 5000
# Instagram refuses a caption with more than 30 hashtags: a bigger group could never be used whole there.
MAX_HASHTAGS = 30
# A hashtag as the platforms read one: "#" and word characters, at least one of them a letter.
HASHTAG = re.compile(r"#(?=\w*[^\W\d_])\w{1,99}")


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise InvalidInput("Give it a name.", field="name")
    if len(name) > NAME_LENGTH:
        raise InvalidInput(f"The name is at most {NAME_LENGTH} characters.", field="name")
    return name


def clean_hashtags(raw: Iterable[str]) -> list[str]:
    """Each "#word" once (the first spelling kept, case aside), in order; a word without "#" gets one. Anything
    else is refused, naming it: a hashtag cannot hold spaces or punctuation."""
    tags: list[str] = []
    seen: set[str] = set()
    for item in raw:
        for word in re.split(r"[\s,]+", item.strip()):
            if not word:
                continue
            tag = word if word.startswith("#") else f"#{word}"
            if not HASHTAG.fullmatch(tag):
                raise InvalidInput(
                    f"“{word[:50]}” is not a hashtag: use letters, digits and _ after the #.", field="hashtags"
                )
            if tag.casefold() not in seen:
                seen.add(tag.casefold())
                tags.append(tag)
    if not tags:
        raise InvalidInput("Add at least one hashtag.", field="hashtags")
    if len(tags) > MAX_HASHTAGS:
        raise InvalidInput(f"A group holds at most {MAX_HASHTAGS} hashtags.", field="hashtags")
    return tags


def _clean_text(text: str) -> str:
    if not text.strip():
        raise InvalidInput("Write the snippet's text.", field="text")
    if len(text) > MAX_SNIPPET:
        raise InvalidInput(f"A snippet is at most {MAX_SNIPPET} characters.", field="text")
    return text


def _require_to_change(actor: Actor, item: Snippet | HashtagGroup) -> None:
    actor.require(Action.DRAFT)
    if (actor.user is None or item.author_id != actor.user.pk) and not actor.may(Action.APPROVE):
        needed = NEEDS[Action.APPROVE]
        raise RoleTooLow(
            f"Only its author, or an {needed.label} or above, can change or delete “{item.name}”.",
            role=str(actor.role),
            needed=needed.value,
            action=Action.APPROVE.value,
        )


def _save(item: Snippet | HashtagGroup, what: str) -> None:
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise Conflict(f"There is a {what} named “{item.name}” already; pick another name.", field="name") from None


def create_snippet(actor: Actor, *, name: str, text: str) -> Snippet:
    actor.require(Action.DRAFT)
    snippet = Snippet(workspace=actor.workspace, author=actor.user, name=_name(name), text=_clean_text(text))
    _save(snippet, "snippet")
    logger.info("library.snippet_created workspace=%s snippet=%s", actor.workspace.pk, snippet.pk)
    return snippet


def update_snippet(actor: Actor, snippet_id: int, *, name: str, text: str) -> Snippet:
    snippet = get_snippet(actor.workspace, snippet_id)
    _require_to_change(actor, snippet)
    snippet.name, snippet.text = _name(name), _clean_text(text)
    _save(snippet, "snippet")
    return snippet


def delete_snippet(actor: Actor, snippet_id: int) -> None:
    snippet = get_snippet(actor.workspace, snippet_id)
    _require_to_change(actor, snippet)
    snippet.delete()


def create_hashtag_group(actor: Actor, *, name: str, hashtags: Iterable[str]) -> HashtagGroup:
    actor.require(Action.DRAFT)
    group = HashtagGroup(
        workspace=actor.workspace, author=actor.user, name=_name(name), hashtags=clean_hashtags(hashtags)
    )
    _save(group, "hashtag group")
    logger.info("library.hashtag_group_created workspace=%s group=%s", actor.workspace.pk, group.pk)
    return group


def update_hashtag_group(actor: Actor, group_id: int, *, name: str, hashtags: Iterable[str]) -> HashtagGroup:
    group = get_hashtag_group(actor.workspace, group_id)
    _require_to_change(actor, group)
    group.name, group.hashtags = _name(name), clean_hashtags(hashtags)
    _save(group, "hashtag group")
    return group


def delete_hashtag_group(actor: Actor, group_id: int) -> None:
    group = get_hashtag_group(actor.workspace, group_id)
    _require_to_change(actor, group)
    group.delete()
