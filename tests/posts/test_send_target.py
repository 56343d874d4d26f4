"""One send attempt after an earlier send got no answer: look it up first, and never resend on a failed lookup."""

import pytest
from django.utils import timezone

from tests.conftest import create_scheduled_post
from tests.support.unconfirmed import LookupConnector
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import Published, TransientError
from tidings.platforms.models import Platform
from tidings.platforms.registry import CONNECTORS
from tidings.platforms.services import connect_account
from tidings.posts.models import AttemptOutcome, PostTarget, TargetStatus
from tidings.posts.publishing import send_target

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_doubt(bob: User, monkeypatch: pytest.MonkeyPatch) -> PostTarget:
    monkeypatch.setitem(CONNECTORS, Platform.WEBHOOK, LookupConnector())
    LookupConnector.sends = 0
    account = connect_account(
        owner(bob),
        platform=Platform.WEBHOOK,
        external_id="hook",
        handle="hook",
        access_token="s" * 20,
        base_url="https://hooks.example/in",
    )
    post = create_scheduled_post(bob, [account])
    PostTarget.objects.filter(post=post).update(
        status=TargetStatus.PUBLISHING, sending_since=timezone.now(), attempts=1
    )
    return PostTarget.objects.get(post=post)


def test_a_failed_lookup_is_an_unknown_outcome_and_nothing_is_resent(in_doubt: PostTarget) -> None:
    LookupConnector.lookups = [TransientError("lookup timed out")]
    outcome = send_target(in_doubt.pk)
    assert (outcome.kind, outcome.message) == ("unknown", "lookup timed out")
    assert LookupConnector.sends == 0
    in_doubt.refresh_from_db()
    assert in_doubt.sending_since is not None


def test_a_post_found_by_the_lookup_is_published_without_sending(in_doubt: PostTarget) -> None:
    LookupConnector.lookups = [Published("found-1", "https://platform.example/found-1")]
    outcome = send_target(in_doubt.pk)
    assert (outcome.kind, outcome.external_id) == ("published", "found-1")
    assert LookupConnector.sends == 0


def test_when_the_lookup_finds_nothing_it_is_sent_again(in_doubt: PostTarget) -> None:
    LookupConnector.lookups = [None]
    outcome = send_target(in_doubt.pk)
    assert (outcome.kind, outcome.external_id) == ("published", "sent-again")
    assert LookupConnector.sends == 1


def test_every_call_to_the_platform_leaves_evidence_and_one_log_line(
    in_doubt: PostTarget, caplog: pytest.LogCaptureFixture
) -> None:
    LookupConnector.lookups = [None]
    caplog.set_level("INFO", logger="tidings.publish")

    send_target(in_doubt.pk)

    attempts = list(in_doubt.attempt_history.values_list("number", "outcome", "detail"))
    assert attempts == [(1, AttemptOutcome.NOT_FOUND, ""), (2, AttemptOutcome.PUBLISHED, "")]
    assert all(a.duration_ms >= 0 and a.started_at is not None for a in in_doubt.attempt_history.all())
    lines = [r.getMessage() for r in caplog.records if r.name == "tidings.publish"]
    assert [line.rsplit(" duration_ms=", 1)[0] for line in lines] == [
        f"publish.decision target={in_doubt.pk} platform=webhook attempt=1 outcome=not_found",
        f"publish.decision target={in_doubt.pk} platform=webhook attempt=2 outcome=published",
    ]
    logged = " ".join(lines) + " ".join(str(r.__dict__.get("publish")) for r in caplog.records)
    assert in_doubt.post.text not in logged
    assert "s" * 20 not in logged
    in_doubt.refresh_from_db()
    assert in_doubt.attempts == 2
