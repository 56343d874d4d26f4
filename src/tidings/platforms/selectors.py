"""Reads for the connections pages: what disconnecting an account would touch."""

from dataclasses import dataclass

from tidings.platforms.models import SocialAccount
from tidings.posts.models import IN_QUEUE, PostTarget
from tidings.workspaces.models import Workspace


@dataclass(frozen=True)
class DisconnectEffect:
    """The posts waiting to go out to one account; disconnecting keeps them, and their credits, until their time."""

    account: SocialAccount
    waiting: list[PostTarget]

    @property
    def count(self) -> int:
        return len(self.waiting)


def disconnect_effects(workspace: Workspace, accounts: list[SocialAccount]) -> dict[int, DisconnectEffect]:
    """Per account, its posts waiting to go out (scheduled, queued or being sent), soonest first, in one query."""
    by_account: dict[int, list[PostTarget]] = {account.pk: [] for account in accounts}
    targets = (
        PostTarget.objects.filter(post__workspace=workspace, account_id__in=list(by_account), status__in=IN_QUEUE)
        .select_related("post")
        .order_by("scheduled_at", "pk")
    )
    for target in targets:
        by_account[target.account_id].append(target)
    return {account.pk: DisconnectEffect(account, by_account[account.pk]) for account in accounts}
