"""PDF documents at intake: a whole PDF is kept as a document and served only as a download; lookalikes are
refused and the post kept as a draft without them."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.conftest import create_account
from tests.support.workspaces import owner, workspace_of
from tests.web.test_media_upload import HTML, UNREADABLE, assert_refused, upload
from tidings.accounts.models import User
from tidings.platforms.models import Platform
from tidings.platforms.services import connect_account
from tidings.posts import media
from tidings.posts.models import MediaAsset, MediaKind
from tidings.posts.pdf import is_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]


def pdf() -> bytes:
    """A real one-page PDF, written by Pillow's PDF writer."""
    data = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(data, format="PDF")
    return data.getvalue()


def test_a_real_pdf_is_kept_as_a_document_and_served_as_a_download(client: Client, bob: User) -> None:
    data = pdf()
    upload(client, bob, "Deck.PDF", data)
    asset = MediaAsset.objects.get(workspace=workspace_of(bob))
    assert (asset.kind, asset.mime_type, asset.size_bytes, asset.width, asset.height) == (
        "document",
        "application/pdf",
        len(data),
        None,
        None,
    )
    assert re.fullmatch(r"uploads/[0-9a-f]{32}\.pdf", asset.file.name)
    response = Client().get(f"/media/{asset.file.name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{asset.file.name.rsplit("/", 1)[-1]}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert sorted(response["Content-Security-Policy"].split("; ")) == ["default-src 'none'", "sandbox"]
    assert b"".join(response.streaming_content) == data


def test_a_file_named_pdf_with_other_bytes_is_refused(client: Client, bob: User, tmp_path: Path) -> None:
    assert_refused(upload(client, bob, "deck.pdf", HTML), UNREADABLE.format(name="deck.pdf"), tmp_path)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + HTML,  # a PDF's header before HTML
        pdf()[:-200],  # cut short: no trailer
        pdf().replace(b"startxref\n", b"startxref\n9"),  # the trailer points past the file
    ],
    ids=["header-then-html", "truncated", "offset-outside"],
)
def test_a_file_that_only_starts_like_a_pdf_is_refused(client: Client, bob: User, tmp_path: Path, data: bytes) -> None:
    page = upload(client, bob, "deck.pdf", data)
    assert_refused(page, "deck.pdf starts like a PDF but is not a whole one.", tmp_path)


def test_a_pdf_whose_trailer_points_at_something_else_is_not_a_pdf() -> None:
    data = pdf()
    offset = int(re.search(rb"startxref\s+(\d+)", data).group(1))  # type: ignore[union-attr]
    moved = data.replace(f"startxref\n{offset}".encode(), f"startxref\n{offset + 3}".encode())
    assert is_pdf(SimpleUploadedFile("a.pdf", data)) is True
    assert is_pdf(SimpleUploadedFile("a.pdf", moved)) is False


def test_a_document_over_linkedins_limit_is_refused(
    client: Client, bob: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = pdf()
    monkeypatch.setitem(media.LIMITS, MediaKind.DOCUMENT, len(data) - 1)
    assert media.MAX_DOCUMENT_BYTES == 100 * 1024 * 1024
    assert_refused(upload(client, bob, "deck.pdf", data), "deck.pdf is larger than 0 MB.", tmp_path)


def test_the_composers_live_check_refuses_a_new_pdf_everywhere_but_linkedin(client: Client, bob: User) -> None:
    bluesky = create_account(bob, Platform.BLUESKY)
    linkedin = connect_account(
        owner(bob), platform=Platform.LINKEDIN, external_id="yrZ", handle="Bob", access_token="at"
    )
    client.force_login(bob)
    page = client.post(
        "/compose/preview/",
        {
            "text": "Our report",
            "accounts": [bluesky.pk, linkedin.pk],
            "media_info": json.dumps([{"name": "report.pdf", "mime": "application/pdf", "size": 50_000}]),
        },
    ).content.decode()
    assert page.count("does not take documents") == 1
    assert "report.pdf: Bluesky does not take documents; only LinkedIn posts PDFs. Remove it here." in page
