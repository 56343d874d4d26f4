"""A PDF attached to a scheduled LinkedIn post goes out through the product's own publish path as a document post
and spends one credit; a Mastodon post with the same file cannot be scheduled and reserves nothing."""

import io
import json
from datetime import timedelta

import pytest
import respx
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.conftest import create_account, create_scheduled_post
from tests.support.states import bring_to
from tests.support.waits import QUICK
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import InvalidInput
from tidings.credits.models import Balance, CreditReservation, ReservationStatus
from tidings.platforms.connectors import linkedin_media
from tidings.platforms.connectors.linkedin import LinkedInConnector
from tidings.platforms.models import Platform
from tidings.platforms.services import connect_account
from tidings.posts import publishing
from tidings.posts.media import attach_media
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post

pytestmark = pytest.mark.django_db
API = "https://api.linkedin.com/rest"
DOCUMENT = "urn:li:document:D5F10AQH4zhSbg9pV-Q"


@pytest.fixture(autouse=True)
def _setup(settings: object, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    monkeypatch.setattr(linkedin_media, "PATIENCE", QUICK)
    monkeypatch.setattr(LinkedInConnector, "patience", QUICK)


def pdf() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(data, format="PDF")
    return SimpleUploadedFile("report.pdf", data.getvalue(), content_type="application/pdf")


def publish(target: PostTarget) -> publishing.Outcome:
    """As the publish workflow's step does: begin, send, and complete when published."""
    begin = publishing.begin_publish(target.pk)
    if begin.action != "publish":
        return publishing.Outcome(begin.action, begin.reason)
    outcome = publishing.send_target(target.pk, first=begin.first, target=begin.target, content=begin.content)
    if outcome.kind == "published":
        publishing.complete_publish(target.pk, external_id=outcome.external_id, url=outcome.url)
    return outcome


@respx.mock
def test_a_scheduled_linkedin_post_with_a_pdf_goes_out_as_a_document_and_spends_a_credit(bob: User) -> None:
    account = connect_account(
        owner(bob), platform=Platform.LINKEDIN, external_id="yrZ", handle="Bob", access_token="at"
    )
    post = create_scheduled_post(bob, [account], text="Annual report\nAll of 2026 in one file.")
    (asset,) = attach_media(owner(bob), post.pk, uploads=[pdf()])
    upload_url = "https://www.linkedin.com/dms-uploads/sp/doc/0"
    respx.post(f"{API}/documents", params={"action": "initializeUpload"}).respond(
        json={"value": {"uploadUrl": upload_url, "document": DOCUMENT}}
    )
    put = respx.put(upload_url).respond(201)
    respx.get(f"{API}/documents/urn%3Ali%3Adocument%3AD5F10AQH4zhSbg9pV-Q").respond(json={"status": "AVAILABLE"})
    sent = respx.post(f"{API}/posts").respond(201, headers={"x-restli-id": "urn:li:share:11"})
    target = bring_to(post.targets.get(), TargetStatus.QUEUED)

    outcome = publish(target)

    assert (outcome.kind, outcome.external_id) == ("published", "urn:li:share:11")
    with asset.file.open("rb") as stored:
        assert put.calls.last.request.content == stored.read()
    body = json.loads(sent.calls.last.request.content)
    assert body["content"] == {"media": {"title": "Annual report", "id": DOCUMENT}}
    target.refresh_from_db()
    assert target.status == TargetStatus.PUBLISHED
    reservation = CreditReservation.objects.get(target=target)
    assert (reservation.status, reservation.balance) == (ReservationStatus.CONSUMED, Balance.CREDITS)


def test_a_mastodon_draft_with_a_pdf_cannot_be_scheduled_stays_a_draft_with_the_reason_and_reserves_nothing(
    bob: User,
) -> None:
    account = create_account(bob)
    post = create_post(owner(bob), text="Annual report", account_ids=[account.pk])
    attach_media(owner(bob), post.pk, uploads=[pdf()])  # a draft takes any file; the rules apply when it is scheduled
    credits = workspace_of(bob).credits
    with pytest.raises(InvalidInput) as refused:
        schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(hours=2))
    assert "Mastodon does not take documents; only LinkedIn posts PDFs. Remove it here." in refused.value.message
    post.refresh_from_db()
    assert post.draft_reason == refused.value.message
    assert post.targets.get().status == TargetStatus.DRAFT
    assert not CreditReservation.objects.filter(target__post=post).exists()
    assert workspace_of(bob).credits == credits
