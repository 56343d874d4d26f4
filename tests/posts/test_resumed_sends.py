"""A send resumed after "still processing": it carries on the same attempt, from what the platform already has.

Instagram and TikTok are faked with respx at the HTTP edge.
"""

from datetime import timedelta
from typing import Any

import pytest
import respx
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.support.waits import HAND_BACK
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.platforms.connectors.meta import GRAPH
from tidings.platforms.connectors.tiktok import API as TIKTOK_API
from tidings.platforms.connectors.tiktok import TikTokConnector
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.posts.models import MediaAsset, MediaKind, PostTarget, TargetStatus
from tidings.posts.publishing import end_target, send_target
from tidings.posts.services import create_post, schedule_post

pytestmark = pytest.mark.django_db
IG = "17841400000000002"
STATUS_URL = f"{TIKTOK_API}/v2/post/publish/status/fetch/"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setenv("TIDINGS_PUBLIC_URL", "https://tidings.example/")
    for name in ("INSTAGRAM", "TIKTOK"):
        monkeypatch.setenv(f"TIDINGS_{name}_CLIENT_ID", "app")
        monkeypatch.setenv(f"TIDINGS_{name}_CLIENT_SECRET", "secret")


def waiting_target(user: User, account: SocialAccount, *, kind: str, progress: dict[str, Any]) -> PostTarget:
    """A target whose first send was answered "still processing", as the workflow leaves it between checks."""
    # TikTok posts only with the privacy the user picked (no preset); the other platforms need no choice.
    options = {account.pk: {"privacy_level": "SELF_ONLY"}} if account.platform == Platform.TIKTOK else None
    post = create_post(owner(user), text="Fresh bread", account_ids=[account.pk], options=options)
    video = kind == MediaKind.VIDEO
    MediaAsset.objects.create(
        workspace=workspace_of(user),
        post=post,
        file=default_storage.save("uploads/bread.bin", ContentFile(b"0123456789")),
        kind=kind,
        mime_type="video/mp4" if video else "image/jpeg",
        size_bytes=10,
        width=720 if video else 1080,
        height=1280 if video else 1080,
        duration_seconds=10.0 if video else None,
    )
    schedule_post(owner(user), post.pk, at=timezone.now() + timedelta(hours=1))
    target = PostTarget.objects.get(post=post)
    sending = timezone.now() - timedelta(seconds=30) if progress.get("sent") else None
    PostTarget.objects.filter(pk=target.pk).update(
        status=TargetStatus.PUBLISHING, attempts=1, progress=progress, sending_since=sending
    )
    return PostTarget.objects.get(pk=target.pk)


@respx.mock
def test_a_resumed_send_that_got_no_answer_is_looked_for_and_not_published_again(bob: User) -> None:
    account = connect_account(
        owner(bob), platform=Platform.INSTAGRAM, external_id=IG, handle="@bakery", access_token="pt"
    )
    target = waiting_target(bob, account, kind=MediaKind.IMAGE, progress={"container": "c1", "checks": 1})
    # The resumed call went as far as media_publish, and its answer was lost (the worker died).
    sent_at = timezone.now() - timedelta(seconds=20)
    PostTarget.objects.filter(pk=target.pk).update(sending_since=sent_at)
    status = respx.get(f"{GRAPH}/c1").respond(json={"status_code": "FINISHED"})
    publish = respx.post(f"{GRAPH}/{IG}/media_publish").respond(json={"id": "m-2"})
    created = respx.post(f"{GRAPH}/{IG}/media").respond(json={"id": "c-2"})
    # IG User media (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media)
    respx.get(f"{GRAPH}/{IG}/media").respond(
        json={
            "data": [
                {
                    "id": "m-1",
                    "caption": "Fresh bread",
                    "media_type": "IMAGE",
                    "timestamp": (sent_at + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
                    "permalink": "https://www.instagram.com/p/m-1/",
                }
            ]
        }
    )

    outcome = send_target(target.pk)

    assert (outcome.kind, outcome.external_id, outcome.url) == ("published", "m-1", "https://www.instagram.com/p/m-1/")
    assert (status.call_count, publish.call_count, created.call_count) == (0, 0, 0)
    assert list(target.attempt_history.values_list("number", "outcome")) == [(1, "found")]


@respx.mock
def test_a_resumed_tiktok_post_only_asks_its_status_and_stays_in_doubt_while_processing(
    bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TikTokConnector, "patience", HAND_BACK)
    account = connect_account(
        owner(bob), platform=Platform.TIKTOK, external_id="open-1", handle="bob.tt", access_token="t"
    )
    progress = {"publish_id": "v_pub.3", "sent": True, "checks": 1}
    target = waiting_target(bob, account, kind=MediaKind.VIDEO, progress=progress)
    init = respx.post(f"{TIKTOK_API}/v2/post/publish/video/init/").respond(json={"data": {}, "error": {"code": "ok"}})
    status = respx.post(STATUS_URL).respond(json={"data": {"status": "PROCESSING_DOWNLOAD"}, "error": {"code": "ok"}})

    outcome = send_target(target.pk)

    assert outcome.kind == "processing"
    target.refresh_from_db()
    # Still the one send, still in doubt until TikTok says; the publish id kept, the checks counted.
    assert (target.attempts, target.sending_since is not None) == (1, True)
    assert {key: target.progress[key] for key in ("publish_id", "sent", "checks")} == {
        "publish_id": "v_pub.3",
        "sent": True,
        "checks": 2,
    }

    status.respond(json={"data": {"status": "PUBLISH_COMPLETE"}, "error": {"code": "ok"}})
    outcome = send_target(target.pk)

    assert (outcome.kind, outcome.external_id) == ("published", "v_pub.3")
    assert (init.call_count, status.call_count) == (0, 2)
    assert list(target.attempt_history.values_list("number", "outcome")) == [(1, "processing"), (1, "published")]


@respx.mock
def test_a_resumed_tiktok_post_that_tiktok_failed_ends_failed_with_nothing_in_doubt(
    bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TikTokConnector, "patience", HAND_BACK)
    account = connect_account(
        owner(bob), platform=Platform.TIKTOK, external_id="open-1", handle="bob.tt", access_token="t"
    )
    target = waiting_target(bob, account, kind=MediaKind.VIDEO, progress={"publish_id": "v_pub.4", "sent": True})
    respx.post(STATUS_URL).respond(
        json={"data": {"status": "FAILED", "fail_reason": "video_pull_failed"}, "error": {"code": "ok"}}
    )

    outcome = send_target(target.pk)

    assert (outcome.kind, outcome.message) == ("permanent", "TikTok did not publish the video: video_pull_failed.")
    target.refresh_from_db()
    assert (target.sending_since, target.progress) == (None, {})
    assert end_target(target.pk, status=TargetStatus.FAILED, reason=outcome.message) == "failed"
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.RELEASED
