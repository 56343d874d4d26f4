"""Holding, spending and releasing credits the way the product does: through a post target and its moves."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import Balance
from tidings.credits.services import lock_workspace, reserve_credits
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.posts import publishing
from tidings.posts.lifecycle import move_targets
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import cancel_post, create_post
from tidings.workspaces.actors import Actor


def holding_account(user: User) -> SocialAccount:
    """The person's account for credit tests (in their own workspace): a webhook, which every plan may connect
    once."""
    account = SocialAccount.objects.filter(workspace=workspace_of(user), platform=Platform.WEBHOOK).first()
    if account is not None:
        return account
    return connect_account(
        owner(user),
        platform=Platform.WEBHOOK,
        external_id=f"{user.username}-hold",
        handle=f"{user.username} hold",
        access_token="secret",
        base_url="https://hooks.example.org/hold",
    )


def hold_credits(
    user: User, amount: int = 1, *, at: datetime | None = None, balance: str = Balance.CREDITS
) -> PostTarget:
    """A scheduled target holding `amount` of a balance (one pending reservation), as scheduling leaves it."""
    post = create_post(owner(user), text="Held", account_ids=[holding_account(user).pk])
    target = post.targets.get()
    with transaction.atomic():
        locked = lock_workspace(post.workspace_id)
        reserve_credits(locked, target_id=target.pk, amount=amount, balance=balance)
        move_targets(
            locked, [target.pk], to=TargetStatus.SCHEDULED, scheduled_at=at or timezone.now() + timedelta(days=1)
        )
    target.refresh_from_db()
    return target


def spend(target: PostTarget) -> bool:
    """Publish the target through the product's path (queued, publishing, completed); True when this call spent it."""
    with transaction.atomic():
        locked = lock_workspace(target.post.workspace_id)
        move_targets(None, [target.pk], to=TargetStatus.QUEUED, only_from=(TargetStatus.SCHEDULED,))
        move_targets(locked, [target.pk], to=TargetStatus.PUBLISHING, only_from=(TargetStatus.QUEUED,))
    return publishing.complete_publish(target.pk, external_id=f"spent-{target.pk}")


def release(target: PostTarget) -> int:
    """Cancel the target's post, giving its credit back; returns the targets moved."""
    return cancel_post(Actor.system(target.post.workspace), target.post_id)
