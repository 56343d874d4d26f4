"""`tokens/refresh.expiring` on a real DBOS worker: its cron, and one step per account refreshed."""

from datetime import timedelta

import httpx
import pytest
import respx
from dbos import DBOS
from django.utils import timezone

from tests.jobs.conftest import worker  # noqa: F401 - the DBOS worker fixture
from tests.platforms.atproto import PDS, jwt, session, xrpc
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.jobs.models import JobLog, JobStatus
from tidings.jobs.workflows import tokens
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


def test_the_sweep_runs_every_ten_minutes() -> None:
    schedules = {s["schedule_name"]: s for s in DBOS.list_schedules()}
    assert schedules["tokens-refresh-expiring"]["schedule"] == "*/10 * * * *"
    assert schedules["tokens-refresh-expiring"]["workflow_name"] == "tokens/refresh.expiring"


def test_the_workflow_refreshes_each_expiring_account_in_its_own_step(
    carol: User, respx_mock: respx.MockRouter
) -> None:
    accounts = [
        connect_account(
            owner(carol),
            platform=Platform.BLUESKY,
            external_id=f"did:plc:carol{n}",
            handle=f"carol{n}.bsky.social",
            access_token=f"at-{n}",
            refresh_token=f"rt-{n}",
            token_expires_at=timezone.now() + timedelta(minutes=minutes),
            base_url=PDS,
        )
        for n, minutes in ((1, 5), (2, 20), (3, 300))
    ]

    def refresh(request: httpx.Request) -> httpx.Response:
        n = request.headers["Authorization"].rsplit("-", 1)[-1]
        return httpx.Response(200, json=session(access=jwt(nonce=n), refresh=f"rt-{n}-new"))

    # A LinkedIn sign-in without a refresh token cannot be renewed: its owner is warned instead.
    connect_account(
        owner(carol),
        platform=Platform.LINKEDIN,
        external_id="li-carol",
        handle="Carol",
        access_token="li-at",
        token_expires_at=timezone.now() + timedelta(days=3),
    )
    respx_mock.post(xrpc("com.atproto.server.refreshSession")).mock(side_effect=refresh)
    handle = DBOS.start_workflow(tokens.refresh_expiring_tokens, timezone.now())
    handle.get_result()
    log = JobLog.objects.get(workflow_id=handle.get_workflow_id())
    assert (log.event, log.status) == ("tokens/refresh.expiring", JobStatus.COMPLETED)
    assert {k: log.data[k] for k in ("refreshed", "reconnect_needed", "failed", "skipped", "warned")} == {
        "refreshed": 2,
        "reconnect_needed": 0,
        "failed": 0,
        "skipped": 0,
        "warned": 1,
    }
    steps = [step["function_name"] for step in DBOS.list_workflow_steps(handle.get_workflow_id())]
    assert steps.count("tokens.refresh_account") == 2
    assert "tokens.expiring_accounts" in steps
    assert steps[-2:] == ["tokens.warn_expiring", "job_log.finish"]
    refreshed = [SocialAccount.objects.get(pk=a.pk).refresh_token for a in accounts]
    assert refreshed == ["rt-1-new", "rt-2-new", "rt-3"]
