"""A cast for sends in doubt: bob's webhook target left unconfirmed, and a platform that can be asked about it.

Loaded as a pytest plugin by `tests/conftest.py`, so every room's tests share the fixtures."""

from datetime import datetime
from typing import ClassVar

import pytest

from tests.conftest import create_account, create_scheduled_post
from tests.support.states import bring_to
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation
from tidings.credits.selectors import available_credits
from tidings.platforms.base import Capabilities, Content, Published
from tidings.platforms.connectors.webhook import WebhookConnector
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.registry import CONNECTORS
from tidings.posts.models import PostTarget, TargetStatus


class LookupConnector(WebhookConnector):
    """A platform that can be asked for a post sent earlier; it answers from `lookups`, in order."""

    capabilities: ClassVar[Capabilities] = Capabilities(can_find_published=True)
    lookups: ClassVar[list[object]] = []
    sends: ClassVar[int] = 0

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: datetime | None
    ) -> Published | None:
        answer = self.lookups.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        type(self).sends += 1
        return Published("sent-again")


@pytest.fixture
def unconfirmed(bob: User) -> PostTarget:
    target = create_scheduled_post(bob, [create_account(bob, Platform.WEBHOOK)]).targets.get()
    return bring_to(target, TargetStatus.UNCONFIRMED, reason="No answer came.")


@pytest.fixture
def askable(monkeypatch: pytest.MonkeyPatch) -> type[LookupConnector]:
    """Webhook targets become ones the platform can be asked about."""
    monkeypatch.setitem(CONNECTORS, Platform.WEBHOOK, LookupConnector())
    LookupConnector.sends = 0
    LookupConnector.lookups = []
    return LookupConnector


def reservation(target: PostTarget) -> str:
    return CreditReservation.objects.get(target=target).status


def available(user: User) -> int:
    return available_credits(workspace_of(user))
