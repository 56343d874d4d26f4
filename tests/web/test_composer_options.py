"""Each account's platform options in the composer: saved on its target, refused inline with everything kept, shown
again when the post opens, and TikTok's creator info asked with the account's token for its tab."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx
from django.test import Client
from django.utils import timezone

from tests.conftest import create_account
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation
from tidings.platforms.models import Platform
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import create_post

pytestmark = pytest.mark.django_db
CREATOR_URL = "https://open.tiktokapis.com/v2/post/publish/creator_info/query/"
CREATOR = {
    "creator_username": "bob.tt",
    "creator_nickname": "Bob Bakes",
    "privacy_level_options": ["PUBLIC_TO_EVERYONE", "SELF_ONLY"],
    "comment_disabled": True,
    "duet_disabled": False,
    "stitch_disabled": False,
    "max_video_post_duration_sec": 300,
}


def local(user: User, **delta: float) -> str:
    return (
        (timezone.now() + timedelta(**delta))
        .astimezone(ZoneInfo(workspace_of(user).time_zone))
        .strftime("%Y-%m-%dT%H:%M")
    )


def test_each_accounts_options_are_saved_on_its_target(client: Client, bob: User) -> None:
    mastodon, x = create_account(bob, Platform.MASTODON), create_account(bob, Platform.X)
    client.force_login(bob)
    response = client.post(
        "/compose/",
        {
            "text": "Spring menu",
            "accounts": [mastodon.pk, x.pk],
            f"opt-{mastodon.pk}-visibility": "unlisted",
            f"opt-{mastodon.pk}-spoiler_text": "Food",
            f"opt-{mastodon.pk}-language": "en",
            f"opt-{x.pk}-reply_settings": "following",
            "when": local(bob, days=2),
            "action": "schedule",
        },
    )
    assert (response.status_code, response["Location"]) == (302, "/queue/")
    options = {t.account_id: t.options for t in PostTarget.objects.filter(post__workspace=workspace_of(bob))}
    assert options == {
        mastodon.pk: {"visibility": "unlisted", "spoiler_text": "Food", "language": "en"},
        x.pk: {"reply_settings": "following"},
    }


def test_a_refused_option_is_shown_on_its_tab_with_everything_kept_and_nothing_saved(client: Client, bob: User) -> None:
    mastodon = create_account(bob, Platform.MASTODON)
    client.force_login(bob)
    response = client.post(
        "/compose/",
        {
            "text": "Spring menu",
            "accounts": [mastodon.pk],
            f"opt-{mastodon.pk}-language": "zz",
            f"opt-{mastodon.pk}-spoiler_text": "Food",
            "when": local(bob, days=2),
            "action": "schedule",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    message = "Mastodon language: &#x27;zz&#x27; is not a two-letter ISO 639-1 language code (such as en or de)."
    assert f'data-testid="options-error">{message}</div>' in page
    assert f"Check the options for Mastodon @bob1: {message}" in page
    assert f'name="opt-{mastodon.pk}-spoiler_text" value="Food"' in page
    assert not Post.objects.filter(workspace=workspace_of(bob)).exists()
    assert not CreditReservation.objects.filter(workspace=workspace_of(bob)).exists()


def test_a_post_opens_with_its_options_and_an_edit_replaces_them(client: Client, bob: User) -> None:
    youtube = create_account(bob, Platform.YOUTUBE)
    post = create_post(
        owner(bob), text="My talk", account_ids=[youtube.pk], options={youtube.pk: {"privacy": "unlisted"}}
    )
    client.force_login(bob)
    page = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert '<option value="unlisted" selected>Unlisted</option>' in page
    response = client.post(
        f"/posts/{post.pk}/edit/",
        {
            "text": "My talk",
            "accounts": [youtube.pk],
            f"opt-{youtube.pk}-privacy": "private",
            f"opt-{youtube.pk}-title": "Launch",
            f"opt-{youtube.pk}-tags": "talks, launch day",
            f"opt-{youtube.pk}-made_for_kids": "on",
            "action": "draft",
        },
    )
    assert response.status_code == 302
    assert PostTarget.objects.get(post=post).options == {
        "title": "Launch",
        "privacy": "private",
        "made_for_kids": True,
        "tags": ["talks", "launch day"],
    }


@respx.mock
def test_the_tiktok_tab_shows_what_the_creator_may_post_with_the_choices_kept(client: Client, bob: User) -> None:
    tiktok = create_account(bob, Platform.TIKTOK)
    route = respx.post(CREATOR_URL).respond(json={"data": CREATOR, "error": {"code": "ok"}})
    client.force_login(bob)
    response = client.post(
        f"/compose/tiktok/{tiktok.pk}/",
        {f"opt-{tiktok.pk}-privacy_level": "SELF_ONLY", f"opt-{tiktok.pk}-allow_comment": "on"},
    )
    page = response.content.decode()
    assert route.calls.last.request.headers["Authorization"] == "Bearer token-bob-1"
    assert "Posting to TikTok as <strong>Bob Bakes</strong> (@bob.tt); videos up to 300 s." in page
    assert '<option value="SELF_ONLY" selected>Only me</option>' in page
    assert "FOLLOWER_OF_CREATOR" not in page
    # The creator turned comments off: the switch is off and cannot be turned on.
    assert f'name="opt-{tiktok.pk}-allow_comment" data-testid="tiktok-allow_comment" disabled>' in page


@respx.mock
def test_the_tiktok_tab_of_another_users_account_is_not_found(client: Client, bob: User, carol: User) -> None:
    theirs = create_account(carol, Platform.TIKTOK)
    route = respx.post(CREATOR_URL)
    client.force_login(bob)
    page = client.post(f"/compose/tiktok/{theirs.pk}/").content.decode()
    assert "No such TikTok account." in page
    assert not route.called


@respx.mock
def test_a_tiktok_that_does_not_answer_keeps_the_choices_and_offers_to_ask_again(client: Client, bob: User) -> None:
    tiktok = create_account(bob, Platform.TIKTOK)
    respx.post(CREATOR_URL).mock(return_value=httpx.Response(503, json={"error": {"code": "internal_error"}}))
    client.force_login(bob)
    page = client.post(f"/compose/tiktok/{tiktok.pk}/", {f"opt-{tiktok.pk}-ai_generated": "on"}).content.decode()
    assert "TikTok did not say what this account may post" in page
    assert f'<input type="hidden" name="opt-{tiktok.pk}-ai_generated" value="on">' in page


def test_a_tiktok_post_without_a_privacy_choice_stays_a_draft_with_the_reason(client: Client, bob: User) -> None:
    tiktok = create_account(bob, Platform.TIKTOK)
    post = create_post(owner(bob), text="Clip", account_ids=[tiktok.pk])
    client.force_login(bob)
    client.post(
        f"/posts/{post.pk}/edit/",
        {"text": "Clip", "accounts": [tiktok.pk], "when": local(bob, days=1), "action": "schedule"},
    )
    post.refresh_from_db()
    assert post.targets.get().status == TargetStatus.DRAFT
    assert "Choose who can see this TikTok video: TikTok asks each post to say so." in post.draft_reason
    assert not CreditReservation.objects.filter(workspace=workspace_of(bob)).exists()
    assert post.targets.get().options == {
        "privacy_level": None,
        "allow_comment": False,
        "allow_duet": False,
        "allow_stitch": False,
        "commercial": False,
        "your_brand": False,
        "branded_content": False,
        "ai_generated": False,
    }


@pytest.fixture(autouse=True)
def _tiktok_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_TIKTOK_CLIENT_ID", "key-123")
    monkeypatch.setenv("TIDINGS_TIKTOK_CLIENT_SECRET", "secret-456")


def test_the_preview_checks_each_account_with_its_options(client: Client, bob: User) -> None:
    tiktok = create_account(bob, Platform.TIKTOK)
    client.force_login(bob)
    reason = "Choose who can see this TikTok video: TikTok asks each post to say so."
    without = client.post("/compose/preview/", {"text": "Clip", "accounts": [tiktok.pk]}).content.decode()
    assert reason in without
    chosen = client.post(
        "/compose/preview/",
        {"text": "Clip", "accounts": [tiktok.pk], f"opt-{tiktok.pk}-privacy_level": "SELF_ONLY"},
    ).content.decode()
    assert reason not in chosen
    assert "TikTok needs a video." in chosen


def test_a_pinterest_tab_offers_the_accounts_boards_with_its_default(client: Client, bob: User) -> None:
    pinterest = create_account(bob, Platform.PINTEREST)
    pinterest.options = {"boards": [{"id": "111", "name": "Cakes"}, {"id": "222", "name": "Bread"}], "board_id": "111"}
    pinterest.save(update_fields=["options"])
    client.force_login(bob)
    page = client.get("/compose/").content.decode()
    assert '<option value="" selected>Default board (Cakes)</option>' in page
    assert '<option value="222">Bread</option>' in page
    client.post(
        "/compose/",
        {"text": "Rye", "accounts": [pinterest.pk], f"opt-{pinterest.pk}-board_id": "222", "action": "draft"},
    )
    assert PostTarget.objects.get(account=pinterest).options == {"board_id": "222", "title": "", "cover_seconds": None}
