"""Posts in every state for the queue's tests, made along the product's own paths."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.conftest import create_scheduled_post
from tests.support.states import bring_to
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.platforms.models import SocialAccount
from tidings.posts.models import Post, TargetStatus


def post_in(user: User, account: SocialAccount, status: str, *, text: str, days: int = 1, minutes: int = 60) -> Post:
    """A post on one account brought to `status` (scheduled `days` ahead first, so Free's day limit holds)."""
    post = create_scheduled_post(user, [account], text=text, days=days, minutes=minutes)
    if status != TargetStatus.SCHEDULED:
        bring_to(post.targets.get(), status, reason=f"The platform said no to {text!r}.")
    return post


def png(colour: str = "#3366cc", name: str = "photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def todays_limit_used(user: User, account: SocialAccount) -> None:
    """Two posts published today on the account: a Free workspace's day limit for its platform is used."""
    zone = workspace_of(user).zone
    if (timezone.now() + timedelta(minutes=15)).astimezone(zone).date() != timezone.localdate(timezone=zone):
        pytest.skip("too close to midnight in the workspace's zone to fill today")
    for n in (1, 2):
        bring_to(create_scheduled_post(user, [account], minutes=n, text=f"Out today {n}").targets.get(), "published")


def card(page: str, post: Post) -> str:
    """The queue's markup for one post's card."""
    start = page.index(f'id="post-{post.pk}"')
    return page[start : page.index("</article>", start)]


def card_ids(page: str) -> list[int]:
    """The posts on a queue page, in the order shown."""
    return [int(pk) for pk in re.findall(r'<article class="card queue-card[^"]*" id="post-(\d+)"', page)]
