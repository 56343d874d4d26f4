"""Setting an account's UTM tags, and keeping a post's own choice (called by the posts services as part of saving
the post, in their transaction)."""

import logging
import re

from tidings.core.errors import InvalidInput
from tidings.platforms.services import get_account
from tidings.posts.models import Post
from tidings.tagging.models import VALUE_LENGTH, AccountTagging, PostMode, PostTagging
from tidings.tagging.selectors import PostChoice, Values
from tidings.tagging.utm import FIELDS
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action

logger = logging.getLogger("tidings.tagging")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_values(**raw: str) -> Values:
    """Trimmed values, each refused (naming it) when too long or holding control characters."""
    cleaned = {}
    for name in FIELDS:
        value = (raw.get(name) or "").strip()
        if len(value) > VALUE_LENGTH:
            raise InvalidInput(f"utm_{name} is at most {VALUE_LENGTH} characters.", field=f"utm_{name}")
        if _CONTROL.search(value):
            raise InvalidInput(f"utm_{name} cannot hold line breaks or control characters.", field=f"utm_{name}")
        cleaned[name] = value
    return Values(**cleaned)


def clean_choice(mode: str, **raw: str) -> PostChoice:
    if mode not in PostMode.values:
        raise InvalidInput("Link tagging is one of: accounts, on, off.", field="utm_mode")
    values = clean_values(**raw)
    return PostChoice(mode, values if mode == PostMode.ON else Values())


def set_account_tagging(actor: Actor, account_id: int, *, enabled: bool, values: Values) -> AccountTagging:
    """Turn tagging of the account's links on or off, with its values (blank source: the platform's name; blank
    medium: social). Posts already scheduled go out with the values as they are when they publish."""
    actor.require(Action.CONNECT)
    account = get_account(actor.workspace, account_id)
    values = clean_values(**values.as_dict())
    row, _ = AccountTagging.objects.update_or_create(account=account, defaults={"enabled": enabled, **values.as_dict()})
    logger.info("tagging.account_set workspace=%s account=%s enabled=%s", actor.workspace.pk, account.pk, enabled)
    return row


def save_post_choice(post: Post, choice: PostChoice) -> None:
    """Keep the post's own choice; "as each account is set" keeps nothing."""
    if choice.mode == PostMode.ACCOUNTS:
        PostTagging.objects.filter(post=post).delete()
        return
    PostTagging.objects.update_or_create(post=post, defaults={"mode": choice.mode, **choice.values.as_dict()})
