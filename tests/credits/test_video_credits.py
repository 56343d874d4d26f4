"""The second balance: a post whose media includes a video reserves and spends a video credit instead of a credit,
on the same ledger and reservation rules, through every path a credit takes."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.conftest import create_account
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tests.web.test_media_upload import MP4, ffmpeg
from tidings.accounts.models import User
from tidings.credits.errors import InsufficientCredits
from tidings.credits.models import Balance, CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.renewal import renew_credits
from tidings.credits.selectors import available_credits
from tidings.credits.services import adjust_credits, ledger_balance
from tidings.platforms.models import Platform
from tidings.posts.media import attach_media, remove_media
from tidings.posts.models import MediaAsset, MediaKind, Post, PostTarget, TargetStatus
from tidings.posts.services import cancel_post, create_post, reschedule_post, schedule_post

pytestmark = pytest.mark.django_db
VIDEO = Balance.VIDEO_CREDITS


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]


def with_video(user: User, *, days: int = 1) -> Post:
    """A webhook post carrying a video (the asset as an upload leaves it), scheduled `days` ahead."""
    post = create_post(owner(user), text="Watch this", account_ids=[create_account(user, Platform.WEBHOOK).pk])
    MediaAsset.objects.create(
        workspace=workspace_of(user),
        post=post,
        file="uploads/clip.mp4",
        kind=MediaKind.VIDEO,
        mime_type="video/mp4",
        size_bytes=1000,
        width=64,
        height=64,
        duration_seconds=1.0,
    )
    return schedule_post(owner(user), post.pk, at=timezone.now() + timedelta(days=days))


def held(post: Post) -> CreditReservation:
    return CreditReservation.objects.get(target__post=post)


def balances(user: User) -> tuple[int, int, int, int]:
    return (
        workspace_of(user).credits,
        available_credits(workspace_of(user)),
        workspace_of(user).video_credits,
        available_credits(workspace_of(user), VIDEO),
    )


def test_scheduling_a_post_with_a_video_reserves_a_video_credit_and_no_credit(bob: User) -> None:
    post = with_video(bob)
    reservation = held(post)
    assert (reservation.balance, reservation.status, reservation.amount) == (VIDEO, ReservationStatus.PENDING, 1)
    assert balances(bob) == (500, 500, 30, 29)


def test_publishing_spends_the_video_credit_on_the_ledger(bob: User) -> None:
    post = with_video(bob)
    bring_to(post.targets.get(), TargetStatus.PUBLISHED)
    assert held(post).status == ReservationStatus.CONSUMED
    consume = CreditLedgerEntry.objects.get(workspace=workspace_of(bob), kind=LedgerKind.CONSUME)
    assert (consume.balance, consume.amount, consume.balance_after) == (VIDEO, -1, 29)
    assert balances(bob) == (500, 500, 29, 29)
    assert ledger_balance(workspace_of(bob), VIDEO) == 29
    assert ledger_balance(workspace_of(bob)) == 500


@pytest.mark.parametrize("ending", ["failed", "cancelled", "rescheduled"])
def test_failing_cancelling_and_rescheduling_keep_the_balances_whole(bob: User, ending: str) -> None:
    post = with_video(bob)
    if ending == "failed":
        bring_to(post.targets.get(), TargetStatus.FAILED)
        assert held(post).status == ReservationStatus.RELEASED
        assert balances(bob) == (500, 500, 30, 30)
    elif ending == "cancelled":
        cancel_post(owner(bob), post.pk)
        assert held(post).status == ReservationStatus.RELEASED
        assert balances(bob) == (500, 500, 30, 30)
    else:
        reschedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(days=3))
        assert (held(post).balance, held(post).status) == (VIDEO, ReservationStatus.PENDING)
        assert balances(bob) == (500, 500, 30, 29)


def test_a_free_user_with_no_video_credits_left_is_refused_by_name_and_keeps_the_draft(alice: User) -> None:
    with_video(alice, days=1)
    with_video(alice, days=2)
    with pytest.raises(InsufficientCredits) as refusal:
        with_video(alice, days=3)
    assert refusal.value.details == {"available": 0, "needed": 1, "tier": "free", "balance": "video_credits"}
    assert refusal.value.message.startswith("Not enough video credits: 0 available, 1 needed.")
    third = Post.objects.filter(workspace=workspace_of(alice)).order_by("pk").last()
    assert third is not None
    assert third.draft_reason == refusal.value.message
    assert balances(alice) == (10, 10, 2, 0)


@pytest.fixture
def mp4(tmp_path_factory: pytest.TempPathFactory) -> SimpleUploadedFile:
    data = ffmpeg(tmp_path_factory.mktemp("made"), "clip.mp4", *MP4)
    return SimpleUploadedFile("clip.mp4", data, content_type="video/mp4")


def test_adding_a_video_to_a_scheduled_post_moves_its_reservation_to_video_credits(
    bob: User, mp4: SimpleUploadedFile
) -> None:
    post = create_post(owner(bob), text="Soon with a clip", account_ids=[create_account(bob, Platform.WEBHOOK).pk])
    schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(days=1))
    before = held(post)

    attach_media(owner(bob), post.pk, uploads=[mp4])

    before.refresh_from_db()
    assert (before.balance, before.status) == (Balance.CREDITS, ReservationStatus.RELEASED)
    assert before.reason == "Post media changed: reserved again as video credits"
    now_held = CreditReservation.objects.get(target__post=post, status=ReservationStatus.PENDING)
    assert now_held.balance == VIDEO
    assert balances(bob) == (500, 500, 30, 29)

    remove_media(owner(bob), post.media.get().pk)

    assert CreditReservation.objects.get(target__post=post, status=ReservationStatus.PENDING).balance == (
        Balance.CREDITS
    )
    assert balances(bob) == (500, 499, 30, 30)


def test_adding_a_video_when_video_credits_are_short_is_refused_and_changes_nothing(
    bob: User, mp4: SimpleUploadedFile
) -> None:
    adjust_credits(workspace_of(bob), amount=-30, reason="Spent elsewhere", balance=VIDEO)
    post = create_post(owner(bob), text="Soon", account_ids=[create_account(bob, Platform.WEBHOOK).pk])
    schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(days=1))

    with pytest.raises(InsufficientCredits, match="Not enough video credits"):
        attach_media(owner(bob), post.pk, uploads=[mp4])

    assert not MediaAsset.objects.filter(post=post).exists()
    reservation = held(post)
    assert (reservation.balance, reservation.status) == (Balance.CREDITS, ReservationStatus.PENDING)
    assert balances(bob) == (500, 499, 0, 0)


def test_renewal_renews_video_credits_with_their_own_cap_and_keeps_held_ones(bob: User) -> None:
    post = with_video(bob, days=40)
    renewal = renew_credits(workspace_of(bob).pk, now=workspace_of(bob).next_credit_reset + timedelta(minutes=1))

    assert renewal is not None
    # 29 unreserved: 15 carried (Pro's video cap), 14 expire; 30 granted; the held one stays with its post.
    assert (renewal.video.granted, renewal.video.carried_over, renewal.video.expired) == (30, 15, 14)
    assert renewal.video.balance == 30 + 15 + 1
    rows = CreditLedgerEntry.objects.filter(workspace=workspace_of(bob), balance=VIDEO).order_by("pk")
    assert [(r.kind, r.amount) for r in rows] == [("grant", 30), ("expire", -14), ("renewal", 30)]
    assert held(post).status == ReservationStatus.PENDING
    assert balances(bob)[2:] == (46, 45)
    assert ledger_balance(workspace_of(bob), VIDEO) == 46
    assert PostTarget.objects.get(post=post).status == TargetStatus.SCHEDULED
