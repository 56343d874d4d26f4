"""Helpers for posting schedule tests: a weekly schedule set as its owner would, and a draft to queue."""

from datetime import time

from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.planning.services import set_slots
from tidings.platforms.models import SocialAccount
from tidings.posts.models import Post
from tidings.posts.services import create_post

EVERY_DAY = range(7)


def give_slots(user: User, *times: str, account: SocialAccount | None = None, days: range = EVERY_DAY) -> None:
    """The person's workspace (or one account) gets `times` ("09:00") on `days`."""
    slots = [(d, time.fromisoformat(t)) for d in days for t in times]
    set_slots(owner(user), account_id=account.pk if account else None, slots=slots)


def draft(user: User, accounts: list[SocialAccount], text: str = "Queued") -> Post:
    return create_post(owner(user), text=text, account_ids=[a.pk for a in accounts])
