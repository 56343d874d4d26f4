"""Published targets to read counts for, each with its platform's real post id."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import create_post
from tidings.workspaces.actors import Actor


def connected(user: User, platform: Platform, **fields: Any) -> SocialAccount:
    values: dict[str, Any] = {"external_id": f"{user.username}-{platform}", "handle": f"@{user.username}"}
    return connect_account(owner(user), platform=platform, **{"access_token": "token-1", **values, **fields})


def published(account: SocialAccount, external_id: str, *, at: datetime | None = None) -> PostTarget:
    """A post on `account` that went out as `external_id` (at `at`, default now). Set up directly: what is read
    back does not depend on how it was sent, and several platforms need media to be sent at all."""
    post = create_post(Actor.system(account.workspace), text="Hello", account_ids=[account.pk])
    target = post.targets.get()
    PostTarget.objects.filter(pk=target.pk).update(
        status=TargetStatus.PUBLISHED, external_id=external_id, published_at=at or timezone.now()
    )
    target.refresh_from_db()
    return target


def days_ago(days: float) -> datetime:
    return timezone.now() - timedelta(days=days)
