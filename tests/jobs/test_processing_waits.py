"""Media still processing is waited for durably, with the worker's queue slot given back meanwhile.

A real DBOS worker in this process on queues of concurrency 1; the platforms are faked with respx at the HTTP
edge, where uploads (container creations, TikTok inits and chunks) are counted.
"""

import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from dbos import DBOS, SetEnqueueOptions
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.jobs.conftest import FAST, reset_dbos_sqlite, wait_for
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.jobs import runtime
from tidings.jobs.models import JobLog
from tidings.jobs.workflows.publish import check_workflow_id
from tidings.platforms.connectors.instagram import InstagramConnector
from tidings.platforms.connectors.meta import GRAPH
from tidings.platforms.connectors.tiktok import API as TIKTOK_API
from tidings.platforms.connectors.tiktok import TikTokConnector
from tidings.platforms.connectors.waiting import Patience
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.posts.models import MediaAsset, MediaKind, Post, PostTarget, PublishAttempt, TargetStatus
from tidings.posts.services import create_post, schedule_post
from tidings.posts.unconfirmed import check_unconfirmed

pytestmark = pytest.mark.django_db(transaction=True)
IG = "17841400000000001"
PROBE_QUEUE = "probe-one-slot"


@pytest.fixture(scope="module")
def one_slot_worker(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[str]:
    """DBOS with one workflow at a time per queue in this worker: a wait that held its slot would stop the queue."""
    values = FAST | {"TIDINGS_WORKER_CONCURRENCY": 1}
    saved = {name: getattr(settings, name) for name in values}
    for name, value in values.items():
        setattr(settings, name, value)
    executor = f"waits-{int(time.time())}"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        reset_dbos_sqlite()
        runtime.launch(executor)
        DBOS.register_queue(PROBE_QUEUE, worker_concurrency=1, polling_interval_sec=0.1)
        try:
            yield executor
        finally:
            runtime.shutdown(timeout_seconds=5)
            for name, value in saved.items():
                setattr(settings, name, value)


@pytest.fixture(autouse=True)
def _platforms(monkeypatch: pytest.MonkeyPatch, settings: object, tmp_path: object) -> None:
    monkeypatch.setenv("TIDINGS_INSTAGRAM_CLIENT_ID", "ig-app")
    monkeypatch.setenv("TIDINGS_INSTAGRAM_CLIENT_SECRET", "ig-secret")
    monkeypatch.setenv("TIDINGS_TIKTOK_CLIENT_ID", "tt-key")
    monkeypatch.setenv("TIDINGS_TIKTOK_CLIENT_SECRET", "tt-secret")
    monkeypatch.setenv("TIDINGS_PUBLIC_URL", "https://tidings.example/")
    # Checks handed back after 2 s; no checking within a step.
    monkeypatch.setattr(InstagramConnector, "patience", Patience(first=2.0, longest=2.0, most=120.0))


# --- What frees a queue slot: measured on DBOS itself -------------------------------------------------------------


@DBOS.workflow(name="test/probe.sleeps")
def _sleeps(seconds: float) -> None:
    DBOS.sleep(seconds)


@DBOS.workflow(name="test/probe.hands_back")
def _hands_back(seconds: float) -> None:
    with SetEnqueueOptions(delay_seconds=seconds):
        DBOS.enqueue_workflow(PROBE_QUEUE, _quick)


@DBOS.workflow(name="test/probe.quick")
def _quick() -> float:
    return time.time()


def _second_starts_after(first: object, seconds: float) -> float:
    began = time.time()
    DBOS.enqueue_workflow(PROBE_QUEUE, first, seconds)  # type: ignore[arg-type]
    return DBOS.enqueue_workflow(PROBE_QUEUE, _quick).get_result() - began


def test_a_durable_sleep_holds_its_queue_slot_and_a_delayed_continuation_gives_it_back(one_slot_worker: str) -> None:
    held = _second_starts_after(_sleeps, 3.0)
    freed = _second_starts_after(_hands_back, 3.0)

    print(f"\nconcurrency-1 queue, 3 s wait: next workflow ran after {held:.2f} s (DBOS.sleep), {freed:.2f} s (delay)")
    assert held >= 3.0
    assert freed < 2.0


# --- Publishing -----------------------------------------------------------------------------------------------


def _instagram(user: User) -> SocialAccount:
    return connect_account(
        owner(user), platform=Platform.INSTAGRAM, external_id=IG, handle="@bakery", access_token="pt"
    )


def _due_with_media(user: User, account: SocialAccount, text: str, *, kind: str = MediaKind.IMAGE) -> Post:
    # TikTok posts only with the privacy the user picked (no preset); the other platforms need no choice.
    options = {account.pk: {"privacy_level": "SELF_ONLY"}} if account.platform == Platform.TIKTOK else None
    post = create_post(owner(user), text=text, account_ids=[account.pk], options=options)
    name = default_storage.save(f"uploads/{text.replace(' ', '-')}.bin", ContentFile(b"0123456789"))
    video = kind == MediaKind.VIDEO
    MediaAsset.objects.create(
        workspace=workspace_of(user),
        post=post,
        file=name,
        kind=kind,
        mime_type="video/mp4" if video else "image/jpeg",
        size_bytes=10,
        width=720 if video else 1080,
        height=1280 if video else 1080,
        duration_seconds=10.0 if video else None,
    )
    schedule_post(owner(user), post.pk, at=timezone.now() + timedelta(hours=1))
    PostTarget.objects.filter(post=post).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    return post


class FakeGraph:
    """Instagram's content publishing (https://developers.facebook.com/docs/instagram-platform/content-publishing):
    a container per caption, whose `status_code` answers IN_PROGRESS `slow[caption]` times before FINISHED."""

    def __init__(self, router: respx.MockRouter, slow: dict[str, int]) -> None:
        self.slow = slow
        self.created: list[str] = []
        self.published: list[str] = []
        self.checks: dict[str, int] = {}
        router.post(f"{GRAPH}/{IG}/media").mock(side_effect=self.create)
        router.post(f"{GRAPH}/{IG}/media_publish").mock(side_effect=self.publish)
        router.get(url__regex=rf"{GRAPH}/c-[\w-]+\?").mock(side_effect=self.status)
        router.get(url__regex=rf"{GRAPH}/m-[\w-]+\?").mock(side_effect=self.permalink)

    def create(self, request: httpx.Request) -> httpx.Response:
        caption = parse_qs(request.content.decode())["caption"][0]
        self.created.append(caption)
        return httpx.Response(200, json={"id": f"c-{caption.replace(' ', '-')}"})

    def status(self, request: httpx.Request) -> httpx.Response:
        container = request.url.path.rsplit("/", 1)[-1]
        caption = container[2:].replace("-", " ")
        self.checks[caption] = self.checks.get(caption, 0) + 1
        done = self.checks[caption] > self.slow.get(caption, 0)
        return httpx.Response(200, json={"status_code": "FINISHED" if done else "IN_PROGRESS", "id": container})

    def publish(self, request: httpx.Request) -> httpx.Response:
        container = parse_qs(request.content.decode())["creation_id"][0]
        self.published.append(container)
        return httpx.Response(200, json={"id": f"m-{container[2:]}"})

    def permalink(self, request: httpx.Request) -> httpx.Response:
        media = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(200, json={"permalink": f"https://www.instagram.com/p/{media}/"})


def _target(post: Post) -> PostTarget:
    return PostTarget.objects.get(post=post)


def _attempts(post: Post) -> list[tuple[int, str]]:
    return list(PublishAttempt.objects.filter(target__post=post).values_list("number", "outcome"))


def test_a_post_waiting_for_processing_frees_the_slot_for_another_and_publishes_once(
    one_slot_worker: str, bob: User
) -> None:
    account = _instagram(bob)
    with respx.mock(assert_all_called=False) as router:
        graph = FakeGraph(router, slow={"Slow reel": 2})
        slow = _due_with_media(bob, account, "Slow reel")
        wait_for(lambda: bool(_target(slow).progress), what="the first check to hand back")
        quick = _due_with_media(bob, account, "Quick photo")
        wait_for(lambda: _target(quick).status == TargetStatus.PUBLISHED, what="the second post to publish")
        quick_at = _target(quick).published_at
        assert _target(slow).status == TargetStatus.PUBLISHING
        wait_for(lambda: _target(slow).status == TargetStatus.PUBLISHED, what="the slow post to publish")

    target = _target(slow)
    assert quick_at is not None
    assert target.published_at is not None
    assert quick_at < target.published_at
    assert (target.external_id, target.external_url) == ("m-Slow-reel", "https://www.instagram.com/p/m-Slow-reel/")
    assert target.progress == {}
    # One container each, never made again; three checks of the slow one; each published once.
    assert sorted(graph.created) == ["Quick photo", "Slow reel"]
    assert graph.checks == {"Slow reel": 3, "Quick photo": 1}
    assert sorted(graph.published) == ["c-Quick-photo", "c-Slow-reel"]
    # One send, seen twice still processing, then published.
    assert _attempts(slow) == [(1, "processing"), (1, "processing"), (1, "published")]
    assert (target.attempts, target.sending_since) == (1, None)
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED
    assert workspace_of(bob).credits == 500 - 2
    log = JobLog.objects.get(workflow_id=target.workflow_id)
    assert (log.status, log.data["outcome"]) == ("completed", "published")
    assert DBOS.get_workflow_status(check_workflow_id(target.workflow_id, 2)).status == "SUCCESS"
    assert DBOS.get_workflow_status(check_workflow_id(target.workflow_id, 3)) is None


def test_a_worker_that_stops_during_the_wait_resumes_without_uploading_again(one_slot_worker: str, bob: User) -> None:
    account = _instagram(bob)
    with respx.mock(assert_all_called=False) as router:
        graph = FakeGraph(router, slow={"After restart": 1})
        post = _due_with_media(bob, account, "After restart")
        wait_for(lambda: bool(_target(post).progress), what="the first check to hand back")
        # The worker stops mid-wait: nothing of the wait is in its memory, all of it in the databases.
        runtime.shutdown(timeout_seconds=5)
        # Down past the lease: the stale sweep finds the run handed back and its continuation still to start.
        PostTarget.objects.filter(post=post).update(locked_until=timezone.now() - timedelta(seconds=1))
        waiting = _target(post)
        assert (waiting.status, waiting.progress["container"]) == (TargetStatus.PUBLISHING, "c-After-restart")
        continuation = runtime.client().retrieve_workflow(check_workflow_id(waiting.workflow_id, 1))
        assert continuation.get_status().status in ("DELAYED", "ENQUEUED")
        time.sleep(2.5)
        runtime.launch(one_slot_worker)
        wait_for(lambda: _target(post).status == TargetStatus.PUBLISHED, what="the post to publish after restart")

    assert graph.created == ["After restart"]
    assert graph.published == ["c-After-restart"]
    assert graph.checks == {"After restart": 2}
    assert _attempts(post) == [(1, "processing"), (1, "published")]
    assert CreditReservation.objects.get(target__post=post).status == ReservationStatus.CONSUMED


def test_a_tiktok_post_still_processing_after_the_longest_wait_is_settled_later_by_its_publish_id(
    one_slot_worker: str, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TikTokConnector, "patience", Patience(first=1.0, longest=1.0, most=2.5))
    account = connect_account(
        owner(bob), platform=Platform.TIKTOK, external_id="open-1", handle="bob.tt", access_token="t"
    )
    creator = {"creator_username": "bob.tt", "privacy_level_options": ["SELF_ONLY"], "max_video_post_duration_sec": 60}
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{TIKTOK_API}/v2/post/publish/creator_info/query/").respond(
            json={"data": creator, "error": {"code": "ok"}}
        )
        upload_url = "https://open-upload.tiktokapis.com/video/?upload_id=1&upload_token=u"
        init = router.post(f"{TIKTOK_API}/v2/post/publish/video/init/").respond(
            json={"data": {"publish_id": "v_pub.77", "upload_url": upload_url}, "error": {"code": "ok"}}
        )
        upload = router.put(upload_url).respond(201)
        status = router.post(f"{TIKTOK_API}/v2/post/publish/status/fetch/").respond(
            json={"data": {"status": "PROCESSING_DOWNLOAD"}, "error": {"code": "ok"}}
        )
        post = _due_with_media(bob, account, "Dance", kind=MediaKind.VIDEO)
        wait_for(lambda: _target(post).status == TargetStatus.UNCONFIRMED, what="the wait to run out")

        target = _target(post)
        assert target.progress["publish_id"] == "v_pub.77"
        assert "still processing the video after" in target.error
        assert CreditReservation.objects.get(target=target).status == ReservationStatus.PENDING
        # However many checks the 2.5 s allowed (the queue's polling decides): one status fetch each, every one
        # "still processing" but the last, which gave up; all of them the one send.
        checks = status.call_count
        outcomes = _attempts(post)
        assert outcomes == [(1, "processing")] * (checks - 1) + [(1, "unknown")]
        assert checks >= 2
        assert (init.call_count, upload.call_count) == (1, 1)

        # The unconfirmed check asks again by the publish id alone, and settles it.
        status.respond(json={"data": {"status": "PUBLISH_COMPLETE"}, "error": {"code": "ok"}})
        assert check_unconfirmed(target.pk) == "published"

    target.refresh_from_db()
    assert (target.status, target.external_id, target.progress) == (TargetStatus.PUBLISHED, "v_pub.77", {})
    assert status.call_count == checks + 1
    assert (init.call_count, upload.call_count) == (1, 1)
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.CONSUMED
    assert workspace_of(bob).video_credits == 30 - 1


def test_a_wait_that_resumes_past_the_late_window_is_skipped_and_its_credit_returned(
    one_slot_worker: str, bob: User
) -> None:
    account = _instagram(bob)
    with respx.mock(assert_all_called=False) as router:
        graph = FakeGraph(router, slow={"Too late": 1})
        post = _due_with_media(bob, account, "Too late")
        wait_for(lambda: bool(_target(post).progress), what="the first check to hand back")
        # As if the workers had been down meanwhile: the post is now past the late window (600 s here).
        PostTarget.objects.filter(post=post).update(scheduled_at=timezone.now() - timedelta(minutes=11))
        wait_for(lambda: _target(post).status == TargetStatus.SKIPPED, what="the resumed check to skip it")

    target = _target(post)
    assert (
        target.error
        == "Not published: it was still processing on Instagram, and is now later than 10 minutes past its time."
    )
    assert (target.progress, target.sending_since) == ({}, None)
    assert graph.published == []
    assert graph.checks == {"Too late": 1}
    assert _attempts(post) == [(1, "processing")]
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.RELEASED
    assert workspace_of(bob).credits == 500
