import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.conftest import create_account
from tidings.accounts.models import User
from tidings.posts.models import MediaAsset, Post, TargetStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]


def png(width: int = 40, height: int = 20) -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(data, format="PNG")
    return SimpleUploadedFile("red.png", data.getvalue(), content_type="image/png")


def test_an_image_is_stored_with_its_real_type_and_size(client: Client, bob: User) -> None:
    account = create_account(bob)
    client.force_login(bob)
    client.post(
        "/compose/",
        {
            "text": "With a picture",
            "accounts": [account.pk],
            "action": "draft",
            "attachments": [png()],
            "alt_text": "A red box",
        },
    )
    asset = MediaAsset.objects.get(user=bob)
    assert (asset.kind, asset.mime_type, asset.width, asset.height, asset.alt_text) == (
        "image",
        "image/png",
        40,
        20,
        "A red box",
    )
    assert asset.post == Post.objects.get(user=bob, text="With a picture")


def test_a_file_that_only_claims_to_be_an_image_is_refused_and_the_text_kept(client: Client, bob: User) -> None:
    account = create_account(bob)
    client.force_login(bob)
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(
        "/compose/",
        {"text": "Keep me", "accounts": [account.pk], "action": "schedule", "attachments": [fake]},
        follow=True,
    )
    assert "evil.png is not an image or video we can read." in response.content.decode()
    post = Post.objects.get(user=bob)
    assert post.text == "Keep me"
    assert post.targets.get().status == TargetStatus.DRAFT
    assert not MediaAsset.objects.exists()


def test_uploads_get_unguessable_names_and_are_served_only_by_them(client: Client, bob: User) -> None:
    account = create_account(bob)
    client.force_login(bob)
    client.post("/compose/", {"text": "Pic", "accounts": [account.pk], "action": "draft", "attachments": [png()]})
    asset = MediaAsset.objects.get(user=bob)
    assert re.fullmatch(r"uploads/[0-9a-f]{32}\.png", asset.file.name)
    client.logout()
    response = Client().get(f"/media/{asset.file.name}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert Client().get("/media/uploads/").status_code == 404
    assert Client().get("/media/../settings.py").status_code == 404
