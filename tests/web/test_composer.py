"""The composer: per-account text and files saved with the post, refusals shown on the post's own composer page
with everything kept and a way forward, any post that has not gone out edited and scheduled there, and a post
that went out shown read-only."""

import io
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from tests.conftest import create_account, create_scheduled_post
from tests.generation.fake_openai import FakeOpenAI, Reply
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.generation.models import GenerationLog
from tidings.platforms.models import Platform
from tidings.posts.media import attach_media
from tidings.posts.models import MediaAsset, Post, TargetStatus
from tidings.posts.services import create_post
from tidings.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]


def png(name: str, colour: str = "red") -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(data, format="PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def local(user: User, **delta: float) -> str:
    return (
        (timezone.now() + timedelta(**delta))
        .astimezone(ZoneInfo(workspace_of(user).time_zone))
        .strftime("%Y-%m-%dT%H:%M")
    )


def test_a_post_with_text_per_account_and_described_files_is_scheduled(client: Client, bob: User) -> None:
    bluesky, mastodon = create_account(bob, Platform.BLUESKY), create_account(bob, Platform.MASTODON)
    client.force_login(bob)
    response = client.post(
        "/compose/",
        {
            "text": "Spring menu",
            f"override_{bluesky.pk}": "Spring menu, short for Bluesky",
            f"override_{mastodon.pk}": "",
            "accounts": [bluesky.pk, mastodon.pk],
            "attachments": [png("first.png"), png("second.png", "blue")],
            "new_alt": ["A red plate", "A blue plate"],
            "media_order": "n1,n0",
            "when": local(bob, days=2),
            "action": "schedule",
        },
    )
    assert (response.status_code, response["Location"]) == (302, "/queue/")
    post = Post.objects.get(workspace=workspace_of(bob))
    targets = {t.account_id: (t.status, t.text_override) for t in post.targets.all()}
    assert targets == {
        bluesky.pk: (TargetStatus.SCHEDULED, "Spring menu, short for Bluesky"),
        mastodon.pk: (TargetStatus.SCHEDULED, ""),
    }
    assert list(post.media.order_by("position").values_list("alt_text", flat=True)) == ["A blue plate", "A red plate"]
    assert CreditReservation.objects.filter(target__post=post, status=ReservationStatus.PENDING).count() == 2


def test_a_lone_account_is_chosen_and_the_calendar_time_is_preset(client: Client, bob: User) -> None:
    account = create_account(bob)
    client.force_login(bob)
    page = client.get("/compose/?at=2027-05-04T09:30").content.decode()
    assert f'name="accounts" value="{account.pk}" class="account-check" data-platform="mastodon"' in page
    assert f'value="{account.pk}" class="account-check" data-platform="mastodon" data-handle="@bob1" checked>' in page
    assert 'value="2027-05-04T09:30"' in page
    assert f'When <span class="text-secondary fw-normal">({workspace_of(bob).time_zone})</span>' in page


def test_a_full_queue_keeps_the_draft_and_shows_the_way_on_its_own_page(client: Client, alice: User) -> None:
    account = create_account(alice)
    for day in range(5):
        create_scheduled_post(alice, [account], days=day)
    client.force_login(alice)
    response = client.post(
        "/compose/", {"text": "Sixth", "accounts": [account.pk], "when": local(alice, days=6), "action": "schedule"}
    )
    sixth = Post.objects.get(workspace=workspace_of(alice), text="Sixth")
    assert response["Location"] == f"/posts/{sixth.pk}/edit/"
    page = client.get(response["Location"]).content.decode()
    assert "Your queue of scheduled posts is full: 5 of 5 used on the Free plan." in page
    assert "Your post is kept as a draft." in page
    assert 'href="/queue/">Open the queue</a>' in page
    assert 'href="/plan/">See plans and limits</a>' in page
    assert ">Sixth</textarea>" in page
    assert sixth.targets.get().status == TargetStatus.DRAFT
    assert sixth.draft_reason == "Your queue of scheduled posts is full: 5 of 5 used on the Free plan."
    # Shown once; afterwards the post says why it is still a draft.
    again = client.get(response["Location"]).content.decode()
    assert 'data-testid="refusal"' not in again
    assert 'data-testid="draft-reason"' in again


def test_a_past_time_is_refused_on_the_field_with_a_time_to_use(client: Client, bob: User) -> None:
    account = create_account(bob)
    client.force_login(bob)
    typed = local(bob, hours=-2)
    response = client.post(
        "/compose/", {"text": "Late", "accounts": [account.pk], "when": typed, "action": "schedule"}, follow=True
    )
    page = response.content.decode()
    post = Post.objects.get(workspace=workspace_of(bob))
    assert response.redirect_chain == [(f"/posts/{post.pk}/edit/", 302)]
    assert 'data-testid="when-problem">The scheduled time is in the past; pick a time from now on.</div>' in page
    assert f'value="{typed}"' in page
    assert 'data-testid="when-suggestion"' in page
    assert post.targets.get().status == TargetStatus.DRAFT
    assert post.draft_reason == "The scheduled time is in the past; pick a time from now on."
    assert not CreditReservation.objects.exists()


def test_a_draft_is_edited_and_scheduled_from_its_page(client: Client, bob: User) -> None:
    account = create_account(bob, Platform.BLUESKY)
    post = create_post(owner(bob), text="Draft text", account_ids=[account.pk])
    client.force_login(bob)
    page = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert ">Draft text</textarea>" in page
    assert 'name="when"' in page
    at = local(bob, days=1)
    response = client.post(
        f"/posts/{post.pk}/edit/", {"text": "Better text", "accounts": [account.pk], "when": at, "action": "schedule"}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.text, post.targets.get().status) == ("Better text", TargetStatus.SCHEDULED)
    assert post.scheduled_at is not None
    assert post.scheduled_at.astimezone(ZoneInfo(workspace_of(bob).time_zone)).strftime("%Y-%m-%dT%H:%M") == at


def test_a_scheduled_post_moves_to_another_time_and_back_to_drafts(client: Client, bob: User) -> None:
    account = create_account(bob)
    post = create_scheduled_post(bob, [account], days=1)
    client.force_login(bob)
    later = local(bob, days=3)
    client.post(f"/posts/{post.pk}/edit/", {"text": "Hello", "accounts": [account.pk], "when": later, "action": "save"})
    post.refresh_from_db()
    assert post.scheduled_at is not None
    assert post.scheduled_at.astimezone(ZoneInfo(workspace_of(bob).time_zone)).strftime("%Y-%m-%dT%H:%M") == later
    client.post(f"/posts/{post.pk}/edit/", {"text": "Hello", "accounts": [account.pk], "action": "draft"})
    assert post.targets.get().status == TargetStatus.DRAFT
    assert not CreditReservation.objects.filter(status=ReservationStatus.PENDING).exists()


def test_a_failed_post_opens_in_the_composer_and_goes_out_again(client: Client, bob: User) -> None:
    account = create_account(bob)
    target = bring_to(create_scheduled_post(bob, [account]).targets.get(), TargetStatus.FAILED)
    client.force_login(bob)
    page = client.get(f"/posts/{target.post_id}/edit/").content.decode()
    assert 'id="composer"' in page
    client.post(
        f"/posts/{target.post_id}/edit/",
        {"text": "Second go", "accounts": [account.pk], "when": local(bob, days=1), "action": "schedule"},
    )
    target.refresh_from_db()
    assert (target.status, target.dispatch_round, target.error) == (TargetStatus.SCHEDULED, 1, "")


def test_files_are_removed_reordered_and_described_on_edit(client: Client, bob: User) -> None:
    account = create_account(bob, Platform.BLUESKY)
    post = create_post(owner(bob), text="Pics", account_ids=[account.pk])
    one, two, three = attach_media(owner(bob), post.pk, uploads=[png("1.png"), png("2.png"), png("3.png")])
    client.force_login(bob)
    client.post(
        f"/posts/{post.pk}/edit/",
        {
            "text": "Pics",
            "accounts": [account.pk],
            "remove_media": [str(two.pk)],
            "media_order": f"s{three.pk},s{two.pk},s{one.pk}",
            f"alt_{three.pk}": "Third, now first",
            "action": "draft",
        },
    )
    assert list(MediaAsset.objects.filter(post=post).values_list("pk", "position", "alt_text")) == [
        (three.pk, 0, "Third, now first"),
        (one.pk, 1, ""),
    ]


def test_a_published_post_shows_how_it_went_and_cannot_be_saved(client: Client, bob: User) -> None:
    target = bring_to(create_scheduled_post(bob, [create_account(bob)]).targets.get(), TargetStatus.PUBLISHED)
    client.force_login(bob)
    page = client.get(f"/posts/{target.post_id}/edit/").content.decode()
    assert 'data-testid="read-only"' in page
    assert 'id="composer"' not in page
    assert f'href="https://example.org/{target.pk}"' in page
    page = client.post(f"/posts/{target.post_id}/edit/", {"text": "Rewritten", "accounts": [target.account_id]})
    assert "This post has gone out (or is going out), so it cannot change any more." in page.content.decode()
    assert Post.objects.get(pk=target.post_id).text == "Hello"


def test_the_preview_shows_each_accounts_text_thread_cost_and_time(client: Client, alice: User) -> None:
    Workspace.objects.filter(personal_owner=alice).update(time_zone="Europe/Berlin")
    bluesky, x = create_account(alice, Platform.BLUESKY), create_account(alice, Platform.X)
    client.force_login(alice)
    page = client.post(
        "/compose/preview/",
        {
            "text": "word " * 80,
            f"override_{x.pk}": "Short for X",
            "accounts": [bluesky.pk, x.pk],
            "link": "https://example.com/a",
            "when": "2027-03-28T02:30",
            "media_info": json.dumps([{"name": "a.png", "mime": "image/png", "size": 1000}]),
        },
    ).content.decode()
    assert page.count('data-testid="preview"') == 2
    assert "Goes out as a thread of 2 posts." in page
    assert "Short for X\n\nhttps://example.com/a" in page
    assert ">11 / 280<" not in page  # the link counts as 23 on X
    assert ">36 / 280<" in page
    assert "2 credits needed · 10 available" in page
    assert "Queue: 0 of 5 places used" in page
    assert "2027-03-28 02:30 does not exist in Europe/Berlin" in page
    assert 'data-set-when="2027-03-28T03:30"' in page
    assert page.count('data-preview-media data-count="1"') == 2


def test_the_ai_improves_one_networks_text_only_for_a_chosen_account(
    client: Client, bob: User, ai_model: FakeOpenAI
) -> None:
    ai_model.default = lambda request: Reply(text="Spring is here #spring #menu")
    account = create_account(bob, Platform.BLUESKY)
    client.force_login(bob)
    refused = client.post(
        "/compose/revise/", {"kind": "hashtags", "platform": "x", "revise_text": "Spring", "accounts": [account.pk]}
    ).content.decode()
    assert "Choose an account on that network first." in refused
    assert ai_model.requests == []
    page = client.post(
        "/compose/revise/",
        {"kind": "hashtags", "platform": "bluesky", "revise_text": "Spring is here", "accounts": [account.pk]},
    ).content.decode()
    assert "Spring is here #spring #menu" in page
    assert "data-revised" in page
    assert "hashtags" in ai_model.requests[0].prompt
    assert GenerationLog.objects.filter(workspace=workspace_of(bob), action="rewrite").count() == 1
