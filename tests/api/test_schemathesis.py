"""Schemathesis against the live OpenAPI document, in-process over WSGI: whatever it sends, no 5xx.

The caller is a staff user on Business with data of every kind, a token with every scope, an AI provider (a
loopback fake, so generation answers instead of 503) and no rate limit in the way. Operations that would end the
run early are made harmless: the token is restored if a generated request revokes it, and events reach a fake
`send` (the job system is tested in tests/jobs).
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings

from tests.api.conftest import token
from tests.conftest import create_account, create_scheduled_post, make_user
from tests.generation.fake_openai import FakeOpenAI
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.api.models import ApiToken
from tidings.api.routers import events
from tidings.automation.services import save_rule
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.platforms.models import Platform
from tidings.posts.models import TargetStatus
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier
from tidings.workspaces.roles import Action
from tidings.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def caller(db: None, ai_model: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    user = make_user("sam", Tier.BUSINESS, tier_limits={"generations_per_day": None})
    User.objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    accounts = [create_account(user, Platform.MASTODON), create_account(user, Platform.BLUESKY)]
    create_post(owner(user), text="A draft", account_ids=[accounts[0].pk])
    failed = create_scheduled_post(user, accounts, text="Went wrong")
    for target in failed.targets.all()[:1]:
        bring_to(target, TargetStatus.FAILED, reason="Boom")
    create_scheduled_post(user, [accounts[1]], minutes=600)
    save_rule(owner(user), name="Daily", schedule="0 9 * * *", brief={"topic": "Bread"}, account_ids=[accounts[0].pk])
    notify(
        workspace_of(user),
        audience=Action.SCHEDULE,
        type=NotificationType.LOW_CREDITS,
        title="Low",
        message="Credits are low",
    )
    secret = token(user)
    monkeypatch.setattr(events, "send", lambda name, data: "wf-schemathesis")
    # As Django's test client does: a request must not close the connection that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with override_settings(TIDINGS_API_RATE_LIMIT=1_000_000):
            yield {"secret": secret, "token_id": ApiToken.objects.get(user=user).pk}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_request_makes_a_server_error(case: schemathesis.Case, caller: dict[str, Any]) -> None:
    ApiToken.objects.filter(pk=caller["token_id"]).update(revoked_at=None)
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {caller['secret']}"}
    case.call_and_validate(checks=[schemathesis.checks.not_a_server_error])
