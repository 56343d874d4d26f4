"""A PDF document goes out on LinkedIn only: every other platform's rules refuse it with a clear reason, and a
scheduled post it would break keeps its files and credits as they were."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import create_account, create_scheduled_post
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import InvalidInput
from tidings.credits.models import Balance, CreditReservation, ReservationStatus
from tidings.platforms.base import Content
from tidings.platforms.media import MediaItem
from tidings.platforms.models import Platform
from tidings.platforms.registry import CONNECTORS
from tidings.platforms.services import connect_account
from tidings.posts.media import attach_media
from tidings.posts.models import MediaAsset, TargetStatus

pytestmark = pytest.mark.django_db

DOCUMENT = MediaItem(path="uploads/0123.pdf", kind="document", mime_type="application/pdf", size_bytes=50_000)
REFUSAL = "0123.pdf: {label} does not take documents; only LinkedIn posts PDFs. Remove it here."
LABELS = {
    Platform.WEBHOOK: "Webhook",
    Platform.BLUESKY: "Bluesky",
    Platform.MASTODON: "Mastodon",
    Platform.TIKTOK: "TikTok",
    Platform.YOUTUBE: "YouTube",
    Platform.PINTEREST: "Pinterest",
    Platform.X: "X",
    Platform.FACEBOOK: "Facebook Pages",
    Platform.INSTAGRAM: "Instagram",
    Platform.THREADS: "Threads",
}


def pdf() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(data, format="PDF")
    return SimpleUploadedFile("report.pdf", data.getvalue(), content_type="application/pdf")


@pytest.mark.parametrize("platform", sorted(CONNECTORS))
def test_a_document_is_refused_everywhere_but_linkedin(carol: User, platform: str) -> None:
    account = create_account(carol, Platform(platform))
    problems = CONNECTORS[platform].validate(account, Content(text="Our report", media=(DOCUMENT,)))
    if platform == Platform.LINKEDIN:
        assert problems == []
    else:
        assert REFUSAL.format(label=LABELS[Platform(platform)]) in problems


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]


def test_a_pdf_on_a_scheduled_mastodon_post_is_refused_and_nothing_changes(bob: User) -> None:
    account = create_account(bob)
    post = create_scheduled_post(bob, [account])
    before = list(CreditReservation.objects.filter(target__post=post).values_list("status", "balance", "amount"))
    credits = workspace_of(bob).credits
    with pytest.raises(InvalidInput) as refused:
        attach_media(owner(bob), post.pk, uploads=[pdf()])
    assert re.fullmatch(
        rf"{re.escape(str(account))}: [0-9a-f]{{32}}\.pdf: Mastodon does not take documents; only LinkedIn posts "
        r"PDFs\. Remove it here\.",
        refused.value.message,
    )
    assert not MediaAsset.objects.exists()
    assert post.targets.get().status == TargetStatus.SCHEDULED
    assert list(CreditReservation.objects.filter(target__post=post).values_list("status", "balance", "amount")) == (
        before
    )
    assert workspace_of(bob).credits == credits


def test_a_pdf_on_a_scheduled_linkedin_post_is_kept_and_paid_with_a_credit(bob: User) -> None:
    account = connect_account(
        owner(bob), platform=Platform.LINKEDIN, external_id="yrZ", handle="Bob", access_token="at"
    )
    post = create_scheduled_post(bob, [account])
    (asset,) = attach_media(owner(bob), post.pk, uploads=[pdf()])
    assert (asset.kind, asset.mime_type) == ("document", "application/pdf")
    reservation = CreditReservation.objects.get(target__post=post)
    assert (reservation.status, reservation.balance, reservation.amount) == (
        ReservationStatus.PENDING,
        Balance.CREDITS,
        1,
    )
