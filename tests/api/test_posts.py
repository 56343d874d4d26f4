"""Posts over the API: create, list with filters and pages, read, edit, schedule, cancel, delete, retry."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.api.conftest import Api, error, token
from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.platforms.models import Platform
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db


def soon(hours: int = 2) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def pending(user: User) -> int:
    return CreditReservation.objects.filter(workspace=workspace_of(user), status=ReservationStatus.PENDING).count()


def test_create_makes_a_draft_with_a_target_per_account(bob: User, bob_api: Api) -> None:
    accounts = [create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)]
    response = bob_api.post(
        "/posts", {"text": "Hello", "link": "https://example.com/a", "account_ids": [a.pk for a in accounts]}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["text"] == "Hello"
    assert body["link"] == "https://example.com/a"
    assert body["status"] == "draft"
    assert sorted((t["account_id"], t["platform"], t["status"]) for t in body["targets"]) == [
        (accounts[0].pk, "mastodon", "draft"),
        (accounts[1].pk, "bluesky", "draft"),
    ]
    assert response["RateLimit-Limit"]
    made = Post.objects.get(pk=body["id"])
    assert (made.workspace, made.author, body["author_id"]) == (workspace_of(bob), bob, bob.pk)


def test_create_refuses_another_users_account_naming_the_field(alice: User, bob: User, bob_api: Api) -> None:
    theirs = create_account(alice)
    body = error(bob_api.post("/posts", {"text": "x", "account_ids": [theirs.pk]}), 400, "invalid_input")
    assert body["field"] == "account_ids"
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": 5}, "text"),
        ({"link": "not a url"}, "link"),
        ({"account_ids": ["a"]}, "account_ids.0"),
        ({"account_ids": [0]}, "account_ids.0"),
        ({"text": "x" * 20_001}, "text"),
        ({"text": "nul\x00"}, "text"),
        ({"txt": "typo"}, "txt"),
    ],
)
def test_bad_input_names_the_field(bob_api: Api, payload: dict[str, object], field: str) -> None:
    body = error(bob_api.post("/posts", payload), 400, "invalid_input")
    assert body["field"] == field
    assert body["errors"][0]["field"] == field
    assert not Post.objects.exists()


def test_a_body_that_is_not_a_json_object_is_400(bob_api: Api) -> None:
    for raw in ("[]", "{not json", '"text"'):
        response = bob_api.client.post(
            "/api/v1/posts", data=raw, content_type="application/json", headers=bob_api._headers(None)
        )
        assert error(response, 400, "invalid_input")["field"] == "body"  # type: ignore[arg-type]


def test_list_filters_and_pages(bob: User, bob_api: Api) -> None:
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    draft = create_post(owner(bob), text="A bakery opens", account_ids=[mastodon.pk])
    early = create_scheduled_post(bob, [bluesky], minutes=60, text="Early bird")
    late = create_scheduled_post(bob, [mastodon, bluesky], minutes=600, text="Late show")

    def ids(**params: object) -> list[int]:
        response = bob_api.get("/posts", params)
        assert response.status_code == 200, response.content
        return [p["id"] for p in response.json()["items"]]

    assert ids() == [late.pk, early.pk, draft.pk]
    assert ids(status="draft") == [draft.pk]
    assert ids(status="scheduled") == [late.pk, early.pk]
    assert ids(platform="bluesky") == [late.pk, early.pk]
    assert ids(q="bakery") == [draft.pk]
    assert ids(q="BIRD") == [early.pk]
    assert ids(scheduled_after=(timezone.now() + timedelta(hours=2)).isoformat()) == [late.pk]
    assert ids(scheduled_before=(timezone.now() + timedelta(hours=2)).isoformat()) == [early.pk]
    page = bob_api.get("/posts", {"limit": 2, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"]) == (3, 2, 1)
    assert [p["id"] for p in page["items"]] == [early.pk, draft.pk]
    assert error(bob_api.get("/posts", {"limit": 101}), 400, "invalid_input")["field"] == "limit"
    assert error(bob_api.get("/posts", {"offset": -1}), 400, "invalid_input")["field"] == "offset"
    assert error(bob_api.get("/posts", {"status": "bogus"}), 400, "invalid_input")["field"] == "status"


def test_lists_show_only_the_users_own_posts(alice: User, bob: User, alice_api: Api) -> None:
    create_post(owner(bob), text="Bob's", account_ids=[])
    mine = create_post(owner(alice), text="Alice's", account_ids=[])
    assert [p["id"] for p in alice_api.get("/posts").json()["items"]] == [mine.pk]


def test_get_a_post_and_its_targets(bob: User, bob_api: Api) -> None:
    post = create_scheduled_post(bob, [create_account(bob)])
    body = bob_api.get(f"/posts/{post.pk}").json()
    assert body["status"] == "scheduled"
    targets = bob_api.get(f"/posts/{post.pk}/targets").json()["items"]
    assert [t["status"] for t in targets] == ["scheduled"]


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("get", "/targets", None),
        ("patch", "", {"text": "mine now"}),
        ("post", "/schedule", {"scheduled_at": "2099-01-01T10:00:00Z"}),
        ("post", "/reschedule", {"scheduled_at": "2099-01-01T10:00:00Z"}),
        ("post", "/unschedule", None),
        ("post", "/cancel", None),
        ("delete", "", None),
    ],
)
def test_another_users_post_is_404(
    alice: User, bob: User, bob_api: Api, method: str, suffix: str, payload: dict[str, str] | None
) -> None:
    theirs = create_scheduled_post(alice, [create_account(alice)])
    response = (
        bob_api.get(f"/posts/{theirs.pk}{suffix}")
        if method == "get"
        else bob_api.send(method, f"/posts/{theirs.pk}{suffix}", payload)
    )
    error(response, 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.text == "Hello"
    assert sorted(theirs.targets.values_list("status", flat=True)) == ["scheduled"]
    assert pending(alice) == 1


def test_another_users_target_cannot_be_retried(alice: User, bob: User, bob_api: Api) -> None:
    theirs = create_scheduled_post(alice, [create_account(alice)])
    target = theirs.targets.get()
    error(bob_api.post(f"/posts/{theirs.pk}/targets/{target.pk}/retry", {}), 404, "not_found")
    mine = create_post(owner(bob), text="x", account_ids=[])
    error(bob_api.post(f"/posts/{mine.pk}/targets/{target.pk}/retry", {}), 404, "not_found")


def test_update_a_draft(bob: User, bob_api: Api) -> None:
    one, two = create_account(bob, n=1), create_account(bob, n=2)
    post = create_post(owner(bob), text="Old", account_ids=[one.pk])
    body = bob_api.patch(f"/posts/{post.pk}", {"text": "New", "account_ids": [two.pk]}).json()
    assert body["text"] == "New"
    assert [t["account_id"] for t in body["targets"]] == [two.pk]
    assert error(bob_api.patch(f"/posts/{post.pk}", {"link": "ftp://x"}), 400, "invalid_input")["field"] == "link"


def test_update_a_scheduled_post_keeps_its_credits_right(bob: User, bob_api: Api) -> None:
    one, two = create_account(bob, n=1), create_account(bob, n=2)
    post = create_scheduled_post(bob, [one])
    body = bob_api.patch(f"/posts/{post.pk}", {"account_ids": [one.pk, two.pk]}).json()
    assert [t["status"] for t in body["targets"]] == ["scheduled", "scheduled"]
    assert pending(bob) == 2
    bob_api.patch(f"/posts/{post.pk}", {"account_ids": [two.pk]})
    assert pending(bob) == 1
    assert list(PostTarget.objects.filter(post=post).values_list("account_id", flat=True)) == [two.pk]
    assert available_credits(workspace_of(bob)) == 499


def test_a_published_post_cannot_be_edited(bob: User, bob_api: Api) -> None:
    post = create_scheduled_post(bob, [create_account(bob)])
    PostTarget.objects.filter(post=post).update(status=TargetStatus.PUBLISHED)
    error(bob_api.patch(f"/posts/{post.pk}", {"text": "changed"}), 409, "conflict")
    post.refresh_from_db()
    assert post.text == "Hello"


def test_schedule_with_an_aware_time(bob: User, bob_api: Api) -> None:
    post = create_post(owner(bob), text="x", account_ids=[create_account(bob).pk])
    at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    body = bob_api.post(f"/posts/{post.pk}/schedule", {"scheduled_at": at.isoformat()}).json()
    assert datetime.fromisoformat(body["scheduled_at"]) == at
    assert body["status"] == "scheduled"
    assert pending(bob) == 1


def test_a_naive_time_is_read_in_the_users_zone(db: None) -> None:
    user = make_user("dora", Tier.PRO, time_zone="Asia/Tokyo")
    post = create_post(owner(user), text="x", account_ids=[create_account(user).pk])
    year = timezone.now().year + 1
    body = Api(token(user)).post(f"/posts/{post.pk}/schedule", {"scheduled_at": f"{year}-06-01T09:00:00"}).json()
    assert datetime.fromisoformat(body["scheduled_at"]) == datetime(year, 6, 1, 0, 0, tzinfo=UTC)


def _spring_forward(year: int) -> date:
    """The last Sunday of March: clocks in Berlin skip 02:00-03:00."""
    day = date(year, 3, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def test_a_local_time_that_dst_skips_is_refused_naming_the_field(db: None) -> None:
    user = make_user("erik", Tier.PRO, time_zone="Europe/Berlin")
    post = create_post(owner(user), text="x", account_ids=[create_account(user).pk])
    gap = _spring_forward(timezone.now().year + 1)
    assert datetime(gap.year, gap.month, gap.day, 1, 0, tzinfo=ZoneInfo("Europe/Berlin")).utcoffset() == timedelta(
        hours=1
    )
    response = Api(token(user)).post(f"/posts/{post.pk}/schedule", {"scheduled_at": f"{gap.isoformat()}T02:30:00"})
    body = error(response, 400, "invalid_input")
    assert body["field"] == "scheduled_at"
    assert "does not exist" in body["message"]
    assert pending(user) == 0


def test_a_time_in_the_past_is_refused(bob: User, bob_api: Api) -> None:
    post = create_post(owner(bob), text="x", account_ids=[create_account(bob).pk])
    response = bob_api.post(f"/posts/{post.pk}/schedule", {"scheduled_at": "2001-01-01T00:00:00Z"})
    assert error(response, 400, "invalid_input")["field"] == "scheduled_at"
    assert error(bob_api.post(f"/posts/{post.pk}/schedule", {}), 400, "invalid_input")["field"] == "scheduled_at"


def test_a_full_queue_is_a_tier_refusal_with_limit_used_and_tier(alice: User, alice_api: Api) -> None:
    account = create_account(alice)
    for day in range(5):
        create_scheduled_post(alice, [account], days=day)
    sixth = create_post(owner(alice), text="One too many", account_ids=[account.pk])
    body = error(alice_api.post(f"/posts/{sixth.pk}/schedule", {"scheduled_at": soon()}), 403, "tier_limit_reached")
    assert (body["limit"], body["used"], body["tier"], body["limit_name"]) == (5, 5, "free", "queue_size")
    sixth.refresh_from_db()
    assert sixth.scheduled_at is None
    assert sixth.draft_reason
    assert pending(alice) == 5


def test_not_enough_credits_is_402_and_reserves_nothing(db: None) -> None:
    user = make_user("fred", Tier.PRO, tier_limits={"monthly_credits": 0})
    post = create_post(owner(user), text="x", account_ids=[create_account(user).pk])
    body = error(
        Api(token(user)).post(f"/posts/{post.pk}/schedule", {"scheduled_at": soon()}), 402, "insufficient_credits"
    )
    assert (body["available"], body["needed"]) == (0, 1)
    assert pending(user) == 0


def test_reschedule_unschedule_cancel_and_delete(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    post = create_scheduled_post(bob, [account])
    later = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    body = bob_api.post(f"/posts/{post.pk}/reschedule", {"scheduled_at": later.isoformat()}).json()
    assert datetime.fromisoformat(body["scheduled_at"]) == later
    assert bob_api.post(f"/posts/{post.pk}/unschedule").json() == {"post_id": post.pk, "targets_changed": 1}
    assert pending(bob) == 0
    error(bob_api.post(f"/posts/{post.pk}/reschedule", {"scheduled_at": later.isoformat()}), 409, "conflict")
    assert bob_api.post(f"/posts/{post.pk}/cancel").json() == {"post_id": post.pk, "targets_changed": 1}
    assert bob_api.get(f"/posts/{post.pk}").json()["status"] == "cancelled"
    error(bob_api.post(f"/posts/{post.pk}/cancel"), 409, "conflict")
    response = bob_api.delete(f"/posts/{post.pk}")
    assert response.status_code == 204
    assert not Post.objects.filter(pk=post.pk).exists()
    error(bob_api.get(f"/posts/{post.pk}"), 404, "not_found")


def test_delete_releases_the_credits(bob: User, bob_api: Api) -> None:
    post = create_scheduled_post(bob, [create_account(bob)])
    assert bob_api.delete(f"/posts/{post.pk}").status_code == 204
    assert pending(bob) == 0


def test_retry_a_failed_target(bob: User, bob_api: Api) -> None:
    post = create_scheduled_post(bob, [create_account(bob)])
    target = post.targets.get()
    bring_to(target, TargetStatus.FAILED, reason="Boom")
    assert pending(bob) == 0
    assert bob_api.get(f"/posts/{post.pk}").json()["status"] == "failed"
    body = bob_api.post(f"/posts/{post.pk}/targets/{target.pk}/retry", {}).json()
    assert body["targets"][0]["status"] == "scheduled"
    assert body["targets"][0]["error"] == ""
    target.refresh_from_db()
    assert target.dispatch_round == 1
    assert pending(bob) == 1
    error(bob_api.post(f"/posts/{post.pk}/targets/{target.pk}/retry", {}), 409, "conflict")


def test_options_per_target_are_taken_checked_and_returned_with_their_defaults(bob: User, bob_api: Api) -> None:
    youtube, x = create_account(bob, Platform.YOUTUBE), create_account(bob, Platform.X)
    body = {
        "text": "My talk",
        "account_ids": [youtube.pk, x.pk],
        "options": [{"account_id": youtube.pk, "options": {"privacy": "unlisted", "tags": ["talk"]}}],
    }
    created = bob_api.post("/posts", body)
    assert created.status_code == 201
    options = {t["account_id"]: t["options"] for t in created.json()["targets"]}
    assert options == {
        youtube.pk: {"title": "", "privacy": "unlisted", "made_for_kids": False, "tags": ["talk"]},
        x.pk: {"reply_settings": "everyone"},
    }
    post_id = created.json()["id"]
    changed = bob_api.patch(
        f"/posts/{post_id}", {"options": [{"account_id": x.pk, "options": {"reply_settings": "following"}}]}
    )
    assert {t["account_id"]: t["options"] for t in changed.json()["targets"]}[x.pk] == {"reply_settings": "following"}
    assert PostTarget.objects.get(post_id=post_id, account=youtube).options["privacy"] == "unlisted"


def test_bad_options_are_refused_naming_the_field_and_nothing_is_created(bob: User, bob_api: Api) -> None:
    youtube = create_account(bob, Platform.YOUTUBE)
    body = {
        "text": "My talk",
        "account_ids": [youtube.pk],
        "options": [{"account_id": youtube.pk, "options": {"privacy": "secret"}}],
    }
    refused = error(bob_api.post("/posts", body), 400, "invalid_input")
    assert refused["field"] == "options"
    assert refused["account_id"] == youtube.pk
    assert refused["message"] == ("YouTube @bob1: YouTube privacy: Input should be 'public', 'unlisted' or 'private'.")
    assert not Post.objects.filter(workspace=workspace_of(bob)).exists()
    assert pending(bob) == 0
