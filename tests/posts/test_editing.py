"""A post that has not gone out can change in every part: its text per account, its files, and its time; one that
failed, was skipped or was cancelled goes back in the queue under a new dispatch round."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.conftest import create_account, create_scheduled_post
from tests.support.states import bring_to
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.core.errors import Conflict, NotFound
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.platforms.models import Platform
from tidings.posts.media import arrange_media, attach_media
from tidings.posts.models import MediaAsset, PostTarget, TargetStatus
from tidings.posts.publishing import target_content
from tidings.posts.services import cancel_post, create_post, schedule_post, unschedule_post, update_post

pytestmark = pytest.mark.django_db


def png(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "navy").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]


def test_each_account_publishes_its_own_text(bob: User) -> None:
    bluesky, mastodon = create_account(bob, Platform.BLUESKY), create_account(bob, Platform.MASTODON)
    post = create_post(
        owner(bob),
        text="Shared words",
        account_ids=[bluesky.pk, mastodon.pk],
        overrides={bluesky.pk: "Short for Bluesky"},
    )
    texts = {t.account_id: (t.text_override, target_content(t).text) for t in post.targets.all()}
    assert texts == {bluesky.pk: ("Short for Bluesky", "Short for Bluesky"), mastodon.pk: ("", "Shared words")}

    post = update_post(
        owner(bob), post.pk, text="New shared", overrides={bluesky.pk: "", mastodon.pk: "Mastodon's own"}
    )
    texts = {t.account_id: (t.text_override, target_content(t).text) for t in post.targets.all()}
    assert texts == {bluesky.pk: ("", "New shared"), mastodon.pk: ("Mastodon's own", "Mastodon's own")}


def test_an_override_equal_to_the_shared_text_is_not_kept(bob: User) -> None:
    account = create_account(bob)
    post = create_post(owner(bob), text="Same", account_ids=[account.pk], overrides={account.pk: " Same "})
    assert post.targets.get().text_override == ""


def test_an_added_account_gets_its_own_text(bob: User) -> None:
    first, second = create_account(bob, Platform.BLUESKY), create_account(bob, Platform.X)
    post = create_scheduled_post(bob, [first], days=1)
    update_post(owner(bob), post.pk, account_ids=[first.pk, second.pk], overrides={second.pk: "For X"})
    added = post.targets.get(account=second)
    assert (added.status, added.text_override, added.scheduled_at) == (
        TargetStatus.SCHEDULED,
        "For X",
        post.scheduled_at,
    )


@pytest.mark.parametrize("ended", [TargetStatus.FAILED, TargetStatus.SKIPPED, TargetStatus.CANCELLED])
def test_a_post_that_did_not_go_out_is_edited_and_scheduled_again(bob: User, ended: str) -> None:
    post = create_scheduled_post(bob, [create_account(bob)], text="First try")
    if ended == TargetStatus.CANCELLED:
        cancel_post(owner(bob), post.pk)
        target = post.targets.get()
    else:
        target = bring_to(post.targets.get(), ended)
    round_before = target.dispatch_round

    update_post(owner(bob), target.post_id, text="Second try")
    at = timezone.now() + timedelta(days=2)
    schedule_post(owner(bob), target.post_id, at=at)

    target.refresh_from_db()
    assert (target.status, target.scheduled_at, target.text, target.error) == (
        TargetStatus.SCHEDULED,
        at,
        "Second try",
        "",
    )
    assert target.dispatch_round == round_before + 1
    assert CreditReservation.objects.filter(target=target, status=ReservationStatus.PENDING).count() == 1


def test_a_failed_post_moved_to_drafts_is_scheduled_under_a_new_round(bob: User) -> None:
    account = create_account(bob)
    target = bring_to(create_scheduled_post(bob, [account]).targets.get(), TargetStatus.FAILED)
    unschedule_post(owner(bob), target.post_id)
    schedule_post(owner(bob), target.post_id, at=timezone.now() + timedelta(hours=3))
    target.refresh_from_db()
    assert (target.status, target.dispatch_round) == (TargetStatus.SCHEDULED, 1)


def test_a_fresh_draft_keeps_its_first_round(bob: User) -> None:
    post = create_scheduled_post(bob, [create_account(bob)])
    assert post.targets.get().dispatch_round == 0


def test_a_published_post_is_not_editable(bob: User) -> None:
    target = bring_to(create_scheduled_post(bob, [create_account(bob)]).targets.get(), TargetStatus.PUBLISHED)
    with pytest.raises(Conflict, match="Only posts that have not gone out can be edited"):
        update_post(owner(bob), target.post_id, text="Rewritten history")
    assert PostTarget.objects.get(pk=target.pk).post.text == "Hello"


def test_files_are_reordered_and_described(bob: User) -> None:
    post = create_post(owner(bob), text="Pics", account_ids=[create_account(bob, Platform.BLUESKY).pk])
    one, two, three = attach_media(owner(bob), post.pk, uploads=[png("1.png"), png("2.png"), png("3.png")])

    arranged = arrange_media(owner(bob), post.pk, order=[three.pk, one.pk], alt_texts={two.pk: " A second picture "})

    assert [a.pk for a in arranged] == [three.pk, one.pk, two.pk]
    stored = list(MediaAsset.objects.filter(post=post).values_list("pk", "position", "alt_text"))
    assert stored == [(three.pk, 0, ""), (one.pk, 1, ""), (two.pk, 2, "A second picture")]


def test_files_of_a_failed_post_can_change_but_not_of_a_published_one(bob: User) -> None:
    account = create_account(bob, Platform.BLUESKY)
    failed = bring_to(create_scheduled_post(bob, [account], days=1).targets.get(), TargetStatus.FAILED)
    assert len(attach_media(owner(bob), failed.post_id, uploads=[png("a.png")])) == 1
    published = bring_to(create_scheduled_post(bob, [account], days=2).targets.get(), TargetStatus.PUBLISHED)
    with pytest.raises(Conflict, match="only on drafts and scheduled posts, or posts that did not go out"):
        arrange_media(owner(bob), published.post_id, order=[])


def test_another_users_file_cannot_be_arranged(alice: User, bob: User) -> None:
    mine = create_post(owner(bob), text="Mine", account_ids=[create_account(bob).pk])
    asset = attach_media(owner(bob), mine.pk, uploads=[png("b.png")])[0]
    theirs = create_post(owner(alice), text="Theirs", account_ids=[create_account(alice).pk])
    with pytest.raises(NotFound):
        arrange_media(owner(alice), theirs.pk, order=[asset.pk])
    with pytest.raises(NotFound):
        arrange_media(owner(alice), mine.pk, order=[asset.pk])
