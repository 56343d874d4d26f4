"""Platform options through the posts services: stored cleaned on each target, refused with nothing stored, edited
per account, copied with the post, written by automation rules, and a YouTube upload locked private told."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import create_account
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.automation.services import save_rule, schedule_rule_post
from tidings.core.errors import InvalidInput
from tidings.credits.models import CreditReservation
from tidings.platforms.models import Platform
from tidings.posts.duplicate import duplicate_post
from tidings.posts.models import AttemptOutcome, MediaAsset, Post, PostTarget, TargetStatus
from tidings.posts.publishing import complete_publish, send_target
from tidings.posts.services import create_post, update_post

pytestmark = pytest.mark.django_db


def test_options_are_stored_cleaned_on_each_target(bob: User) -> None:
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    post = create_post(
        owner(bob),
        text="Hi",
        account_ids=[mastodon.pk, bluesky.pk],
        options={mastodon.pk: {"visibility": "private", "language": "PT"}},
    )
    stored = {t.account_id: t.options for t in post.targets.all()}
    assert stored == {
        mastodon.pk: {"visibility": "private", "spoiler_text": "", "language": "pt"},
        bluesky.pk: {},
    }


@pytest.mark.parametrize(
    ("platform", "raw", "message"),
    [
        (Platform.MASTODON, {"visibility": "loud"}, "Mastodon @bob1: Mastodon visibility: Input should be"),
        (Platform.FACEBOOK, {"anything": True}, "Facebook Pages @bob1: Facebook Pages takes no post options."),
    ],
)
def test_bad_options_are_refused_and_nothing_is_created(
    bob: User, platform: Platform, raw: dict[str, Any], message: str
) -> None:
    account = create_account(bob, platform)
    with pytest.raises(InvalidInput) as refused:
        create_post(owner(bob), text="Hi", account_ids=[account.pk], options={account.pk: raw})
    assert refused.value.message.startswith(message)
    assert refused.value.details["field"] == "options"
    assert refused.value.details["account_id"] == account.pk
    assert not Post.objects.filter(workspace=workspace_of(bob)).exists()


def test_an_edit_replaces_the_options_of_the_accounts_it_names_only(bob: User) -> None:
    mastodon, x = create_account(bob, Platform.MASTODON), create_account(bob, Platform.X)
    post = create_post(
        owner(bob),
        text="Hi",
        account_ids=[mastodon.pk, x.pk],
        options={mastodon.pk: {"spoiler_text": "CW"}, x.pk: {"reply_settings": "verified"}},
    )
    update_post(owner(bob), post.pk, options={x.pk: {"reply_settings": "following"}})
    stored = {t.account_id: t.options for t in post.targets.all()}
    assert stored == {
        mastodon.pk: {"visibility": None, "spoiler_text": "CW", "language": ""},
        x.pk: {"reply_settings": "following"},
    }
    with pytest.raises(InvalidInput, match="not on this post"):
        update_post(owner(bob), post.pk, options={create_account(bob, Platform.BLUESKY).pk: {"langs": ["en"]}})
    with pytest.raises(InvalidInput, match="X reply settings"):
        update_post(owner(bob), post.pk, text="Changed", options={x.pk: {"reply_settings": "nobody"}})
    post.refresh_from_db()
    assert post.text == "Hi"
    assert PostTarget.objects.get(post=post, account=x).options == {"reply_settings": "following"}


def test_an_added_account_gets_its_options_with_it(bob: User) -> None:
    mastodon, x = create_account(bob, Platform.MASTODON), create_account(bob, Platform.X)
    post = create_post(owner(bob), text="Hi", account_ids=[mastodon.pk])
    update_post(owner(bob), post.pk, account_ids=[mastodon.pk, x.pk], options={x.pk: {"reply_settings": "following"}})
    assert PostTarget.objects.get(post=post, account=x).options == {"reply_settings": "following"}


def test_a_copy_keeps_each_accounts_options(bob: User) -> None:
    x = create_account(bob, Platform.X)
    post = create_post(owner(bob), text="Hi", account_ids=[x.pk], options={x.pk: {"reply_settings": "mentionedUsers"}})
    copy = duplicate_post(owner(bob), post.pk).post
    assert copy.targets.get().options == {"reply_settings": "mentionedUsers"}


def test_a_rules_posts_carry_its_platform_options(bob: User) -> None:
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    rule = save_rule(
        owner(bob),
        name="Morning",
        schedule="0 9 * * *",
        brief={"topic": "Bread"},
        account_ids=[mastodon.pk, bluesky.pk],
        enabled=True,
        platform_options={"mastodon": {"visibility": "unlisted"}, "bluesky": {"langs": ["de"]}},
    )
    drafts = [
        {"platform": "mastodon", "text": "Fresh bread", "parts": []},
        {"platform": "bluesky", "text": "Fresh bread", "parts": []},
    ]
    post = schedule_rule_post(rule.pk, run_at=datetime(2026, 12, 1, 9, tzinfo=UTC), drafts=drafts)
    assert {t.platform: t.options for t in post.targets.all()} == {
        "mastodon": {"visibility": "unlisted", "spoiler_text": "", "language": ""},
        "bluesky": {"langs": ["de"]},
    }
    assert {t.status for t in post.targets.all()} == {TargetStatus.SCHEDULED}


def test_a_rule_with_bad_options_is_refused_and_keeps_its_own(bob: User) -> None:
    account = create_account(bob, Platform.MASTODON)
    rule = save_rule(
        owner(bob),
        name="Morning",
        schedule="0 9 * * *",
        brief={"topic": "Bread"},
        account_ids=[account.pk],
        platform_options={"mastodon": {"language": "de"}},
    )
    with pytest.raises(InvalidInput, match="Mastodon language"):
        save_rule(
            owner(bob),
            name="Morning",
            schedule="0 9 * * *",
            brief={"topic": "Bread"},
            account_ids=[account.pk],
            platform_options={"mastodon": {"language": "xx"}},
            rule_id=rule.pk,
        )
    rule.refresh_from_db()
    assert rule.platform_options == {"mastodon": {"visibility": None, "spoiler_text": "", "language": "de"}}


def test_a_youtube_video_locked_private_is_published_and_says_so(
    bob: User, settings: Any, tmp_path: Path, respx_mock: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "talk.mp4").write_bytes(b"0123456789")
    account = create_account(bob, Platform.YOUTUBE)
    post = create_post(
        owner(bob), text="My talk", account_ids=[account.pk], options={account.pk: {"privacy": "public"}}
    )
    MediaAsset.objects.create(
        workspace=workspace_of(bob),
        post=post,
        file="uploads/talk.mp4",
        kind="video",
        mime_type="video/mp4",
        size_bytes=10,
    )
    PostTarget.objects.filter(post=post).update(status=TargetStatus.PUBLISHING, attempts=1)
    session = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=s1"
    started = respx_mock.post(
        "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"
    ).respond(200, headers={"Location": session})
    respx_mock.put(session).respond(
        201, json={"id": "vid1", "status": {"uploadStatus": "uploaded", "privacyStatus": "private"}}
    )

    outcome = send_target(post.targets.get().pk, first=True)

    assert (outcome.kind, outcome.external_id) == ("published", "vid1")
    assert json.loads(started.calls.last.request.content)["status"] == {
        "privacyStatus": "public",
        "selfDeclaredMadeForKids": False,
    }
    attempt = post.targets.get().attempt_history.get()
    assert attempt.outcome == AttemptOutcome.PUBLISHED
    assert attempt.detail.startswith("YouTube made the video private, not public: videos uploaded through an API")
    assert not CreditReservation.objects.filter(workspace=workspace_of(bob)).exists()
    # The workflow ends it published with the notice shown on the target.
    assert complete_publish(post.targets.get().pk, external_id="vid1", notice=outcome.notice)
    target = post.targets.get()
    assert (target.status, target.error) == (TargetStatus.PUBLISHED, attempt.detail)
