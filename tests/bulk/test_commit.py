"""Committing an import creates exactly the rows that passed its preview, each through the normal services (credits
reserved, a contributor's post proposed, limits checked again), whole or not at all."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.bulk.conftest import csv_file, in_lisbon
from tests.bulk.media_server import media_server
from tests.conftest import create_account, create_scheduled_post
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.bulk.models import ImportJob, ImportStatus
from tidings.bulk.services import commit_import, start_import
from tidings.core.errors import Conflict
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.credits.selectors import available_credits
from tidings.posts.models import MediaAsset, Post, PostTarget, TargetStatus
from tidings.tiers.plans import Tier
from tidings.workspaces.plan import change_tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")  # the test's file server is on this machine
    with media_server() as base:
        yield base


def outcome(job: ImportJob) -> list[tuple[int, bool, str]]:
    return [(line["row"], line["created"], line["reason"]) for line in job.outcomes]


def test_the_rows_that_passed_are_created_with_their_credits_reserved(alice: User) -> None:
    in_lisbon(alice)
    account = create_account(alice)
    data = csv_file(
        {"text": "Morning", "accounts": "@alice1", "scheduled_at": "2027-03-02 09:00", "link": "https://a.test/"},
        {"text": "Nobody", "accounts": "@nobody", "scheduled_at": "2027-03-02 10:00"},
        {"text": "Summer time", "accounts": str(account.pk), "scheduled_at": "2027-04-02 09:00"},
        {"text": "Just a draft", "accounts": "@alice1"},
    )
    job = start_import(owner(alice), file_name="march.csv", data=data)
    assert job.status == ImportStatus.PREVIEWED
    assert job.accepted == [2, 4, 5]
    assert job.rows == 4
    assert not Post.objects.exists()
    assert not CreditReservation.objects.exists()

    job = commit_import(owner(alice), job.pk)
    assert job.status == ImportStatus.DONE
    assert outcome(job) == [
        (2, True, ""),
        (3, False, "No connected account @nobody in this workspace."),
        (4, True, ""),
        (5, True, ""),
    ]
    posts = {p.text: p for p in Post.objects.filter(workspace=workspace_of(alice))}
    assert set(posts) == {"Morning", "Summer time", "Just a draft"}
    assert [line["post_id"] for line in job.outcomes] == [
        posts["Morning"].pk,
        None,
        posts["Summer time"].pk,
        posts["Just a draft"].pk,
    ]
    assert posts["Morning"].link == "https://a.test/"
    assert posts["Morning"].author == alice
    targets = {t.post.text: t for t in PostTarget.objects.select_related("post")}
    # Lisbon is UTC+0 in winter and UTC+1 from 28 March.
    assert targets["Morning"].scheduled_at == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    assert targets["Summer time"].scheduled_at == datetime(2027, 4, 2, 8, 0, tzinfo=UTC)
    assert {t.post.text: t.status for t in targets.values()} == {
        "Morning": TargetStatus.SCHEDULED,
        "Summer time": TargetStatus.SCHEDULED,
        "Just a draft": TargetStatus.DRAFT,
    }
    pending = CreditReservation.objects.filter(status=ReservationStatus.PENDING)
    assert sorted(pending.values_list("target_id", flat=True)) == sorted(
        [targets["Morning"].pk, targets["Summer time"].pk]
    )
    assert available_credits(workspace_of(alice)) == 8


def test_a_row_that_no_longer_fits_at_commit_is_refused_and_leaves_nothing(alice: User) -> None:
    in_lisbon(alice)
    account = create_account(alice)
    data = csv_file(
        {"text": "First", "accounts": "@alice1", "scheduled_at": "2027-03-02 12:00"},
        {"text": "Second", "accounts": "@alice1", "scheduled_at": "2027-03-02 13:00"},
    )
    job = start_import(owner(alice), file_name="day.csv", data=data)
    assert job.accepted == [2, 3]
    create_scheduled_post(alice, [account], days=1, text="Written meanwhile")  # 2 March takes one post more
    reserved = CreditReservation.objects.count()

    job = commit_import(owner(alice), job.pk)
    assert outcome(job) == [
        (2, True, ""),
        (
            3,
            False,
            "Posts to Mastodon on Tuesday 02 March 2027 are at the daily limit: 1 of 2 used on the Free plan. The "
            "next day with room is Wednesday 03 March 2027. The rows above in this file add 1.",
        ),
    ]
    assert sorted(Post.objects.values_list("text", flat=True)) == ["First", "Written meanwhile"]
    assert CreditReservation.objects.count() == reserved + 1


def test_media_is_fetched_and_checked_like_an_upload(alice: User, files: str) -> None:
    in_lisbon(alice)
    create_account(alice)
    data = csv_file(
        {
            "text": "With a photo",
            "accounts": "@alice1",
            "media_urls": f"{files}/photo.png",
            "alt_texts": "Bread",
            "scheduled_at": "2027-03-02 09:00",
        },
        {
            "text": "Missing file",
            "accounts": "@alice1",
            "media_urls": f"{files}/gone.png",
            "scheduled_at": "2027-03-03 09:00",
        },
        {
            "text": "Not a picture",
            "accounts": "@alice1",
            "media_urls": f"{files}/notes.txt",
            "scheduled_at": "2027-03-04 09:00",
        },
    )
    job = commit_import(owner(alice), start_import(owner(alice), file_name="m.csv", data=data).pk)
    assert outcome(job) == [
        (2, True, ""),
        (3, False, f"The media at {files}/gone.png answered 404, not the file."),
        (
            4,
            False,
            "notes.txt is not an image, video or document we can read; use JPEG, PNG, WebP or GIF images, "
            "MP4, MOV or WebM videos, or a PDF.",
        ),
    ]
    asset = MediaAsset.objects.get()
    assert (asset.post.text, asset.mime_type, asset.width, asset.height, asset.alt_text) == (
        "With a photo",
        "image/png",
        64,
        48,
        "Bread",
    )
    assert Post.objects.count() == 1
    assert CreditReservation.objects.filter(status=ReservationStatus.PENDING).count() == 1


def test_a_contributors_rows_wait_for_approval_with_their_credits_held(alice: User, bob: User) -> None:
    workspace = in_lisbon(alice)
    change_tier(workspace, tier=Tier.PRO)
    create_account(alice)
    writer = join(bob, workspace_of(alice), "contributor")
    data = csv_file({"text": "Proposed", "accounts": "@alice1", "scheduled_at": "2027-03-02 09:00"})
    job = commit_import(writer, start_import(writer, file_name="p.csv", data=data).pk)
    assert outcome(job) == [(2, True, "")]
    target = PostTarget.objects.get()
    assert target.status == TargetStatus.AWAITING_APPROVAL
    assert target.post.author == bob
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.PENDING


def test_an_import_is_created_once(alice: User) -> None:
    create_account(alice)
    job = start_import(owner(alice), file_name="x.csv", data=csv_file({"text": "Once", "accounts": "@alice1"}))
    commit_import(owner(alice), job.pk)
    with pytest.raises(Conflict, match="created already"):
        commit_import(owner(alice), job.pk)
    assert Post.objects.count() == 1
