"""Settling an unconfirmed target over the API (went out, did not go out, check the platform), a target's calls to
the platform and its published link in every answer, and unscheduling a post that is out."""

from datetime import UTC, datetime

import pytest

from tests.api.conftest import Api, error
from tests.conftest import create_account, create_scheduled_post
from tests.support.states import bring_to
from tests.support.unconfirmed import LookupConnector, available, reservation
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.platforms.base import Published, TransientError
from tidings.platforms.models import Platform
from tidings.posts.models import AttemptOutcome, PostTarget, PublishAttempt, TargetStatus

pytestmark = pytest.mark.django_db
ACTIONS = ("went-out", "did-not-go-out", "check")


def url(target: PostTarget, action: str) -> str:
    return f"/posts/{target.post_id}/targets/{target.pk}/{action}"


def assert_unchanged(target: PostTarget) -> None:
    after = PostTarget.objects.get(pk=target.pk)
    assert (after.status, after.external_url, after.error, after.sending_since) == (
        TargetStatus.UNCONFIRMED,
        "",
        "No answer came.",
        target.sending_since,
    )
    assert reservation(target) == ReservationStatus.PENDING


def test_it_went_out_publishes_it_with_its_address(bob: User, bob_api: Api, unconfirmed: PostTarget) -> None:
    response = bob_api.post(url(unconfirmed, "went-out"), {"url": "https://hooks.example/posts/7"})

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"]) == (unconfirmed.post_id, "published")
    [target] = body["targets"]
    assert (target["id"], target["status"], target["external_url"], target["error"]) == (
        unconfirmed.pk,
        "published",
        "https://hooks.example/posts/7",
        "",
    )
    assert reservation(unconfirmed) == ReservationStatus.CONSUMED
    assert available(bob) == 499


@pytest.mark.parametrize("body", [None, {}, {"url": ""}])
def test_it_went_out_without_an_address(bob_api: Api, unconfirmed: PostTarget, body: dict | None) -> None:
    response = bob_api.post(url(unconfirmed, "went-out"), body)
    assert response.status_code == 200, response.content
    assert [(t["status"], t["external_url"]) for t in response.json()["targets"]] == [("published", "")]
    assert reservation(unconfirmed) == ReservationStatus.CONSUMED


@pytest.mark.parametrize("address", ["javascript:alert(1)", "hooks.example/7", "ftp://hooks.example/7"])
def test_an_address_that_is_not_a_web_address_is_refused(
    bob: User, bob_api: Api, unconfirmed: PostTarget, address: str
) -> None:
    body = error(bob_api.post(url(unconfirmed, "went-out"), {"url": address}), 400, "invalid_input")
    assert (body["field"], body["message"]) == ("url", "The post's address must start with https:// or http://.")
    assert_unchanged(unconfirmed)
    assert available(bob) == 499


def test_an_unknown_field_is_refused(bob_api: Api, unconfirmed: PostTarget) -> None:
    body = error(bob_api.post(url(unconfirmed, "went-out"), {"link": "https://x.example"}), 400, "invalid_input")
    assert body["field"] == "link"
    assert_unchanged(unconfirmed)


def test_it_did_not_go_out_returns_the_credit_and_allows_a_retry(
    bob: User, bob_api: Api, unconfirmed: PostTarget
) -> None:
    response = bob_api.post(url(unconfirmed, "did-not-go-out"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "failed"
    [target] = body["targets"]
    assert (target["status"], target["error"]) == (
        "failed",
        "You marked this post as not published; the credit was returned. Retry it when you like.",
    )
    assert reservation(unconfirmed) == ReservationStatus.RELEASED
    assert available(bob) == 500

    retried = bob_api.post(url(unconfirmed, "retry"), {})
    assert retried.status_code == 200
    assert retried.json()["targets"][0]["status"] == "scheduled"
    assert available(bob) == 499


def test_an_unconfirmed_target_cannot_be_retried_before_it_is_marked(bob_api: Api, unconfirmed: PostTarget) -> None:
    body = error(bob_api.post(url(unconfirmed, "retry"), {}), 409, "conflict")
    assert body["message"] == (
        "This post may already have gone out. Check the account, then mark whether it went out; "
        "if it did not, you can send it again."
    )
    after = PostTarget.objects.get(pk=unconfirmed.pk)
    assert (after.status, after.dispatch_round, after.sending_since) == (
        TargetStatus.UNCONFIRMED,
        0,
        unconfirmed.sending_since,
    )
    assert reservation(unconfirmed) == ReservationStatus.PENDING


@pytest.mark.parametrize(
    ("found", "result", "status", "reserved"),
    [
        (Published("found-9", "https://hooks.example/found-9"), "published", "published", ReservationStatus.CONSUMED),
        (None, "not_published", "failed", ReservationStatus.RELEASED),
        (TransientError("The platform is busy."), "unknown", "unconfirmed", ReservationStatus.PENDING),
    ],
)
def test_check_asks_the_platform_and_answers_the_target(
    bob_api: Api,
    unconfirmed: PostTarget,
    askable: type[LookupConnector],
    found: object,
    result: str,
    status: str,
    reserved: str,
) -> None:
    askable.lookups = [found]

    response = bob_api.post(url(unconfirmed, "check"))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"result", "target"}
    assert (body["result"], body["target"]["id"], body["target"]["status"]) == (result, unconfirmed.pk, status)
    [attempt] = body["target"]["attempt_history"]
    outcome = {"published": "found", "not_published": "not_found", "unknown": "transient"}[result]
    assert (attempt["number"], attempt["outcome"]) == (1, outcome)
    assert reservation(unconfirmed) == reserved
    assert askable.sends == 0


def test_check_on_a_platform_that_cannot_be_asked_answers_unknown(bob_api: Api, unconfirmed: PostTarget) -> None:
    body = bob_api.post(url(unconfirmed, "check")).json()
    assert (body["result"], body["target"]["status"], body["target"]["attempt_history"]) == (
        "unknown",
        "unconfirmed",
        [],
    )
    assert_unchanged(unconfirmed)


@pytest.mark.parametrize("action", ACTIONS)
def test_another_users_target_is_not_found(
    alice: User, alice_api: Api, unconfirmed: PostTarget, askable: type[LookupConnector], action: str
) -> None:
    error(alice_api.post(url(unconfirmed, action), {}), 404, "not_found")
    # Nor through a post of their own.
    mine = create_scheduled_post(alice, [create_account(alice, Platform.WEBHOOK)])
    error(alice_api.post(f"/posts/{mine.pk}/targets/{unconfirmed.pk}/{action}", {}), 404, "not_found")
    assert_unchanged(unconfirmed)
    assert PublishAttempt.objects.count() == 0


@pytest.mark.parametrize("action", ACTIONS)
def test_a_target_of_another_post_is_not_found(bob: User, bob_api: Api, unconfirmed: PostTarget, action: str) -> None:
    other = create_scheduled_post(bob, [create_account(bob, Platform.WEBHOOK, 2)])
    error(bob_api.post(f"/posts/{other.pk}/targets/{unconfirmed.pk}/{action}", {}), 404, "not_found")
    assert_unchanged(unconfirmed)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("status", [TargetStatus.SCHEDULED, TargetStatus.PUBLISHED, TargetStatus.FAILED])
def test_a_target_that_is_not_unconfirmed_is_a_conflict(
    bob: User, bob_api: Api, askable: type[LookupConnector], action: str, status: TargetStatus
) -> None:
    target = create_scheduled_post(bob, [create_account(bob, Platform.WEBHOOK)]).targets.get()
    if status != TargetStatus.SCHEDULED:
        bring_to(target, status)
    before = PostTarget.objects.get(pk=target.pk)
    reserved = list(CreditReservation.objects.filter(target=target).values_list("status", flat=True))
    credits = available(bob)

    body = error(bob_api.post(url(target, action), {}), 409, "conflict")

    verb = "checked" if action == "check" else "marked"
    label = TargetStatus(status).label
    assert body["message"] == f"Only a post whose outcome is unknown can be {verb}; this one is {label}."
    after = PostTarget.objects.get(pk=target.pk)
    assert (after.status, after.external_url, after.error) == (status, before.external_url, before.error)
    assert list(CreditReservation.objects.filter(target=target).values_list("status", flat=True)) == reserved
    assert available(bob) == credits
    assert PublishAttempt.objects.filter(target=target).count() == 0


def test_the_settling_endpoints_need_the_write_scope(bob: User, unconfirmed: PostTarget) -> None:
    from tests.api.conftest import token

    reader = Api(token(bob, ["posts:read"]))
    for action in ACTIONS:
        error(reader.post(url(unconfirmed, action), {}), 403, "forbidden")
    assert_unchanged(unconfirmed)


def test_every_answer_carries_the_calls_to_the_platform(bob_api: Api, unconfirmed: PostTarget) -> None:
    PublishAttempt.objects.create(
        target=unconfirmed,
        number=1,
        started_at=datetime(2026, 1, 1, 0, 10, tzinfo=UTC),
        duration_ms=412,
        outcome=AttemptOutcome.TRANSIENT,
        detail="503 busy",
    )
    PublishAttempt.objects.create(
        target=unconfirmed,
        number=1,
        started_at=datetime(2025, 12, 31, 23, 30, 5, tzinfo=UTC),
        duration_ms=30012,
        outcome=AttemptOutcome.UNKNOWN,
        detail="The request timed out.",
    )
    expected = [
        {
            "number": 1,
            "started_at": "2025-12-31T23:30:05Z",
            "duration_ms": 30012,
            "outcome": "unknown",
            "detail": "The request timed out.",
        },
        {
            "number": 1,
            "started_at": "2026-01-01T00:10:00Z",
            "duration_ms": 412,
            "outcome": "transient",
            "detail": "503 busy",
        },
    ]
    post_id = unconfirmed.post_id
    assert bob_api.get(f"/posts/{post_id}").json()["targets"][0]["attempt_history"] == expected
    assert bob_api.get("/posts").json()["items"][0]["targets"][0]["attempt_history"] == expected
    assert bob_api.get(f"/posts/{post_id}/targets").json()["items"][0]["attempt_history"] == expected
    marked = bob_api.post(url(unconfirmed, "did-not-go-out")).json()
    assert marked["targets"][0]["attempt_history"] == expected


def test_a_link_that_is_not_a_web_address_is_never_answered(bob: User, bob_api: Api) -> None:
    post = create_scheduled_post(bob, [create_account(bob, Platform.WEBHOOK)])
    target = bring_to(post.targets.get(), TargetStatus.PUBLISHED)
    assert bob_api.get(f"/posts/{post.pk}").json()["targets"][0]["external_url"] == f"https://example.org/{target.pk}"
    # A stored answer from before the product checked the scheme.
    PostTarget.objects.filter(pk=target.pk).update(external_url="javascript:alert(1)")
    assert bob_api.get(f"/posts/{post.pk}").json()["targets"][0]["external_url"] == ""
    assert bob_api.get(f"/posts/{post.pk}/targets").json()["items"][0]["external_url"] == ""


def test_unscheduling_a_published_post_is_a_conflict_and_changes_nothing(bob: User, bob_api: Api) -> None:
    post = create_scheduled_post(bob, [create_account(bob, Platform.WEBHOOK)])
    target = bring_to(post.targets.get(), TargetStatus.PUBLISHED)
    scheduled_at = post.scheduled_at

    body = error(bob_api.post(f"/posts/{post.pk}/unschedule"), 409, "conflict")

    assert body["message"] == "Nothing in this post can go back to a draft: it is published or being published."
    after = PostTarget.objects.get(pk=target.pk)
    assert (after.status, after.external_url) == (TargetStatus.PUBLISHED, f"https://example.org/{target.pk}")
    assert reservation(target) == ReservationStatus.CONSUMED
    post.refresh_from_db()
    assert post.scheduled_at == scheduled_at
    assert available(bob) == 499
