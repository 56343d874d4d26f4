"""Staff and a helper that runs an admin action the way the changelist form posts it."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import make_user
from tests.support.states import bring_to
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.models import SocialAccount
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier


@pytest.fixture
def staff(db: None) -> User:
    user = make_user("sam", Tier.FREE)
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    return user


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


def run_action(client: Client, model_url: str, action: str, ids: list[int], **data: Any) -> Any:
    return client.post(model_url, {"action": action, "_selected_action": [str(pk) for pk in ids], **data})


def ended_target(user: User, account: SocialAccount, status: TargetStatus, *, text: str = "Hello") -> PostTarget:
    """A target that went through scheduling and ended `status`, as the publishing worker leaves it."""
    post = create_post(owner(user), text=text, account_ids=[account.pk])
    schedule_post(owner(user), post.pk, at=timezone.now() + timedelta(hours=1))
    reason = "No answer came." if status == TargetStatus.UNCONFIRMED else "The platform said no."
    return bring_to(PostTarget.objects.get(post=post), status, reason=reason)
