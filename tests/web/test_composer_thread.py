"""The composer's thread editor and first comment: posts after the first saved in the order given, each with its
own files; reordered and taken out on edit; shown per network in the previews with the comment; refused per
account where a network cannot carry them, the post kept as a draft with the reason."""

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from tests.conftest import create_account
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation
from tidings.platforms.models import Platform
from tidings.posts.models import MediaAsset, Post, PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]


def png(name: str) -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (40, 20), "teal").save(data, format="PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def local(user: User, **delta: float) -> str:
    return (
        (timezone.now() + timedelta(**delta))
        .astimezone(ZoneInfo(workspace_of(user).time_zone))
        .strftime("%Y-%m-%dT%H:%M")
    )


def test_a_thread_with_files_per_post_and_a_first_comment_is_scheduled(client: Client, bob: User) -> None:
    x = create_account(bob, Platform.X)
    client.force_login(bob)
    response = client.post(
        "/compose/",
        {
            "text": "We baked all night.",
            "accounts": [x.pk],
            "thread_order": "b,a",
            "thread_text_a": "And the croissants.",
            "thread_text_b": "Rye first, then the sourdough.",
            "thread_files_a": [png("croissant.png")],
            "first_comment": "Order ahead",
            "when": local(bob, days=1),
            "action": "schedule",
        },
    )
    assert (response.status_code, response["Location"]) == (302, "/queue/")
    post = Post.objects.get(workspace=workspace_of(bob))
    assert post.thread_parts == ["Rye first, then the sourdough.", "And the croissants."]
    assert post.first_comment == "Order ahead"
    assert list(post.media.values_list("part", flat=True)) == [2]
    assert list(post.targets.values_list("status", flat=True)) == [TargetStatus.SCHEDULED]


def test_on_edit_posts_are_reordered_and_one_taken_out_with_its_files(client: Client, bob: User) -> None:
    x = create_account(bob, Platform.X)
    client.force_login(bob)
    client.post(
        "/compose/",
        {
            "text": "One",
            "accounts": [x.pk],
            "thread_order": "a,b",
            "thread_text_a": "Two",
            "thread_text_b": "Three",
            "thread_files_a": [png("two.png")],
            "thread_files_b": [png("three.png")],
            "action": "draft",
        },
    )
    post = Post.objects.get(workspace=workspace_of(bob))
    two, three = (MediaAsset.objects.get(post=post, part=n) for n in (1, 2))
    page = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert page.count('data-testid="thread-part"') == 2 + 1  # the two posts and the template for a new one
    assert 'name="thread_order" id="thread-order" value="p1,p2"' in page
    # Three moves before Two; then Two is taken out with its file.
    response = client.post(
        f"/posts/{post.pk}/edit/",
        {
            "text": "One",
            "accounts": [x.pk],
            "thread_order": "p2",
            "thread_text_p2": "Three",
            "thread_media_p2": [str(three.pk)],
            "remove_media": [str(two.pk)],
            "action": "draft",
        },
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.thread_parts == ["Three"]
    assert list(post.media.values_list("pk", "part")) == [(three.pk, 1)]


def test_the_previews_show_the_thread_per_network_and_the_comment(client: Client, bob: User) -> None:
    x, page = create_account(bob, Platform.X), create_account(bob, Platform.FACEBOOK)
    client.force_login(bob)
    html = client.post(
        "/compose/preview/",
        {
            "text": "We baked all night.",
            "accounts": [x.pk, page.pk],
            "thread_order": "a,b",
            "thread_text_a": "Rye first.",
            "thread_text_b": "word " * 60,
            "thread_new_b": "2",
            "first_comment": "Order ahead",
        },
    ).content.decode()
    assert "Goes out as a thread of 3 posts." in html
    assert ">3/3 · 299 / 280<" in html
    assert "Post 3 of the thread: The post is 299 characters long; X allows 280." in html
    assert "2 files" in html
    assert html.count('data-testid="preview-comment-text"') == 2
    assert "Facebook Pages has no threads: this post has 3 posts." in html


def test_a_thread_refused_by_one_network_stays_a_draft_with_the_reason(client: Client, bob: User) -> None:
    page = create_account(bob, Platform.FACEBOOK)
    client.force_login(bob)
    response = client.post(
        "/compose/",
        {
            "text": "One",
            "accounts": [page.pk],
            "thread_order": "a",
            "thread_text_a": "Two",
            "when": local(bob, days=1),
            "action": "schedule",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Facebook Pages has no threads: this post has 2 posts." in html
    post = Post.objects.get(workspace=workspace_of(bob))
    assert post.thread_parts == ["Two"]
    assert list(post.targets.values_list("status", flat=True)) == [TargetStatus.DRAFT]
    assert not CreditReservation.objects.exists()


def test_a_published_thread_shows_every_post_and_the_comment_and_why_the_comment_failed(
    client: Client, bob: User
) -> None:
    x = create_account(bob, Platform.X)
    post = create_post(owner(bob), text="One", account_ids=[x.pk], thread_parts=["Two"], first_comment="Order ahead")
    schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(hours=1))
    target = bring_to(post.targets.get(), TargetStatus.PUBLISHED)
    assert target.status == TargetStatus.PUBLISHED
    PostTarget.objects.filter(pk=target.pk).update(error="The post went out, but its first comment did not.")
    client.force_login(bob)
    html = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert "Post 2 of the thread" in html
    assert '<div class="text-pre">Two</div>' in html
    assert '<div class="text-pre">Order ahead</div>' in html
    assert "The post went out, but its first comment did not." in html
