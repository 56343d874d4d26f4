"""The queue page: its order, pages, views and filters in the address, the htmx partial, the actions each card
offers, its empty states, and a fixed number of queries however many posts there are."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.queue import card, card_ids, png, post_in
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.platforms.models import Platform
from tidings.posts.media import attach_media
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db


def page_of(client: Client, url: str = "/queue/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_upcoming_posts_come_first_soonest_on_top_then_drafts_newest_first_then_ended_newest_first(
    client: Client, bob: User
) -> None:
    account = create_account(bob)
    later = create_scheduled_post(bob, [account], text="Later", days=3)
    sooner = create_scheduled_post(bob, [account], text="Sooner", days=1)
    failed_first = post_in(bob, account, "failed", text="Failed first")
    published_last = post_in(bob, account, "published", text="Published last")
    old_draft = create_post(owner(bob), text="Old draft", account_ids=[account.pk])
    new_draft = create_post(owner(bob), text="New draft", account_ids=[account.pk])
    client.force_login(bob)

    page = page_of(client)

    assert card_ids(page) == [sooner.pk, later.pk, new_draft.pk, old_draft.pk, published_last.pk, failed_first.pk]


def test_two_hundred_scheduled_posts_show_the_soonest_first_a_page_at_a_time(client: Client, carol: User) -> None:
    account = create_account(carol)
    # Business publishes 50 posts a day to a platform: 40 a day, each a minute after the one before.
    posts = [
        create_scheduled_post(carol, [account], text=f"Post {n}", days=n // 40, minutes=60 + n) for n in range(200)
    ]
    client.force_login(carol)

    first = page_of(client)
    assert card_ids(first) == [p.pk for p in posts[:20]]
    assert "1 to 20 of 200 posts" in first
    assert 'href="/queue/?page=2"' in first
    assert 'aria-label="Page 10"' in first
    last = page_of(client, "/queue/?page=10")
    assert card_ids(last) == [p.pk for p in posts[180:]]
    # A page past the end shows the last one, not an error.
    assert card_ids(page_of(client, "/queue/?page=99")) == [p.pk for p in posts[180:]]


def test_views_accounts_platforms_and_words_narrow_the_list_and_keep_each_other(client: Client, bob: User) -> None:
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    waiting = create_scheduled_post(bob, [mastodon], text="Spring sale starts", days=1)
    both = create_scheduled_post(bob, [mastodon, bluesky], text="Summer plans", days=2)
    failed = post_in(bob, bluesky, "failed", text="A spring note")
    draft = create_post(owner(bob), text="Autumn idea", account_ids=[mastodon.pk], link="https://example.org/spring")
    PostTarget.objects.filter(post=both, platform=Platform.BLUESKY).update(text_override="Spring, for Bluesky")
    client.force_login(bob)

    assert card_ids(page_of(client, "/queue/?show=scheduled")) == [waiting.pk, both.pk]
    assert card_ids(page_of(client, "/queue/?show=problems")) == [failed.pk]
    assert card_ids(page_of(client, "/queue/?show=drafts")) == [draft.pk]
    assert card_ids(page_of(client, "/queue/?platform=bluesky")) == [both.pk, failed.pk]
    assert card_ids(page_of(client, f"/queue/?account={mastodon.pk}")) == [waiting.pk, both.pk, draft.pk]
    # Words are looked for in the text, the link and each account's own text, in any case.
    assert card_ids(page_of(client, "/queue/?q=SPRING")) == [waiting.pk, both.pk, draft.pk, failed.pk]
    page = page_of(client, "/queue/?q=spring&platform=bluesky&show=scheduled")
    assert card_ids(page) == [both.pk]
    # Each view's count follows the other filters, and its link keeps them.
    assert 'href="/queue/?show=problems&amp;platform=bluesky&amp;q=spring"' in page
    assert tab_counts(page) == {
        "all": "2",
        "scheduled": "1",
        "drafts": "0",
        "problems": "1",
        "published": "0",
        "cancelled": "0",
    }


def tab_counts(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="tab-(\w+)".*?data-testid="count">(\d+)<', page, re.S))


def test_a_link_to_one_post_lands_on_it_whatever_its_page(client: Client, carol: User) -> None:
    account = create_account(carol)
    posts = [create_scheduled_post(carol, [account], text=f"Post {n}", days=n // 40, minutes=60 + n) for n in range(45)]
    client.force_login(carol)
    far = posts[44]
    assert far.pk not in card_ids(page_of(client))
    page = page_of(client, f"/queue/?post={far.pk}")
    assert card_ids(page) == [far.pk]
    # The view can be widened again, and another user's post is simply not there.
    assert 'href="/queue/"' in page
    assert "Clear filters" in page
    dora = make_user("dora", Tier.PRO)
    other = create_scheduled_post(dora, [create_account(dora)])
    assert card_ids(page_of(client, f"/queue/?post={other.pk}")) == []


def test_another_users_account_and_unknown_filters_match_nothing_of_theirs(client: Client, alice: User) -> None:
    bob = make_user("bob", Tier.PRO)
    theirs = create_account(bob)
    create_scheduled_post(bob, [theirs], text="Bob's")
    mine = create_scheduled_post(alice, [create_account(alice)], text="Alice's")
    client.force_login(alice)
    assert card_ids(page_of(client, f"/queue/?account={theirs.pk}")) == []
    assert card_ids(page_of(client, "/queue/?show=nonsense&platform=myspace&page=x")) == [mine.pk]


def test_htmx_gets_the_results_alone_and_caches_keep_the_two_apart(client: Client, bob: User) -> None:
    post = create_scheduled_post(bob, [create_account(bob)], text="Partial")
    client.force_login(bob)

    partial = client.get("/queue/?show=scheduled", headers={"HX-Request": "true"})
    whole = client.get("/queue/?show=scheduled")
    restored = client.get(
        "/queue/?show=scheduled", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="queue-results"')
    assert card_ids(body) == [post.pk]
    assert "<h1" not in body
    assert partial["Vary"].count("HX-Request") == 1
    assert '<h1 class="page-title">Queue</h1>' in whole.content.decode()
    assert '<h1 class="page-title">Queue</h1>' in restored.content.decode()
    # The address bar gets the filters in use, not every empty field of the form.
    searched = client.get("/queue/?q=Part&account=&platform=&show=&page=1", headers={"HX-Request": "true"})
    assert searched["HX-Push-Url"] == "/queue/?q=Part"
    assert "HX-Push-Url" not in whole
    # The partial carries the view for the filter form, so a search stays in it.
    assert '<input type="hidden" name="show" value="scheduled" form="queue-filters">' in body


def _offers(block: str, post: Post) -> dict[str, bool]:
    return {
        "edit": f'href="/posts/{post.pk}/edit/"' in block,
        "schedule": f'action="/queue/{post.pk}/schedule/"' in block,
        "reschedule": f'action="/queue/{post.pk}/reschedule/"' in block,
        "unschedule": f'action="/queue/{post.pk}/unschedule/"' in block,
        "cancel": f'action="/queue/{post.pk}/cancel/"' in block,
        "duplicate": f'action="/queue/{post.pk}/duplicate/"' in block,
        "delete": f'action="/queue/{post.pk}/delete/"' in block,
        "retry": "/retry/" in block,
    }


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        ("draft", {"edit", "schedule", "duplicate", "delete"}),
        ("scheduled", {"edit", "reschedule", "unschedule", "cancel", "duplicate", "delete"}),
        ("queued", {"cancel", "duplicate", "delete"}),
        ("publishing", {"duplicate"}),
        ("published", {"duplicate", "delete"}),
        ("failed", {"edit", "reschedule", "unschedule", "duplicate", "delete", "retry"}),
        ("skipped", {"edit", "reschedule", "unschedule", "duplicate", "delete", "retry"}),
        ("cancelled", {"edit", "reschedule", "unschedule", "duplicate", "delete"}),
        ("unconfirmed", {"duplicate"}),
    ],
)
def test_each_card_offers_only_what_fits_its_state(client: Client, bob: User, status: str, offered: set) -> None:
    account = create_account(bob)
    if status == "draft":
        post = create_post(owner(bob), text="A post", account_ids=[account.pk])
    elif status == "cancelled":
        post = create_scheduled_post(bob, [account], text="A post")
        client.force_login(bob)
        client.post(f"/queue/{post.pk}/cancel/")
    else:
        post = post_in(bob, account, status, text="A post")
    client.force_login(bob)

    block = card(page_of(client), post)

    assert {name for name, shown in _offers(block, post).items() if shown} == offered
    assert PostTarget.objects.get(post=post).status == status


def test_a_post_half_published_and_half_failed_offers_what_its_failed_half_can_do(client: Client, bob: User) -> None:
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    post = create_scheduled_post(bob, [mastodon, bluesky], text="Half out")
    bring_to(post.targets.get(platform=Platform.MASTODON), "published")
    failed = bring_to(post.targets.get(platform=Platform.BLUESKY), "failed")
    client.force_login(bob)

    block = card(page_of(client), post)

    offered = {name for name, shown in _offers(block, post).items() if shown}
    assert offered == {"reschedule", "unschedule", "duplicate", "delete", "retry"}
    assert f'action="/queue/targets/{failed.pk}/retry/"' in block
    assert "Partly published" in block


def test_a_card_shows_each_accounts_own_text_its_files_and_why_it_was_kept_a_draft(client: Client, bob: User) -> None:
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    post = create_post(owner(bob), text="Shared text", account_ids=[mastodon.pk, bluesky.pk])
    PostTarget.objects.filter(post=post, platform=Platform.BLUESKY).update(text_override="Bluesky's own text")
    attach_media(owner(bob), post.pk, uploads=[png()], alt_text="A blue square")
    Post.objects.filter(pk=post.pk).update(draft_reason="Your queue of scheduled posts is full.")
    client.force_login(bob)

    block = card(page_of(client), post)

    assert "Shared text" in block
    assert '<p class="text-pre mb-0">Bluesky&#x27;s own text</p>' in block
    assert block.count("Own text for this account") == 1
    asset = post.media.get()
    assert f'<img src="{asset.file.url}" alt="A blue square" loading="lazy" width="72" height="72">' in block
    assert "<strong>Kept as a draft:</strong> Your queue of scheduled posts is full." in block


def test_the_reschedule_picker_is_labelled_with_the_users_zone_and_starts_tomorrow_for_an_ended_post(
    client: Client,
) -> None:
    dana = make_user("dana", Tier.PRO, time_zone="Asia/Tokyo")
    post = post_in(dana, create_account(dana), "skipped", text="Skipped", days=0, minutes=5)
    at = post.targets.get().scheduled_at
    assert at is not None
    client.force_login(dana)

    block = card(page_of(client), post)

    assert f'<label class="form-label" for="when-{post.pk}">New time (Asia/Tokyo)</label>' in block
    tomorrow = (timezone.now().astimezone(workspace_of(dana).zone) + timedelta(days=1)).date()
    local = at.astimezone(workspace_of(dana).zone)
    assert f'value="{tomorrow:%Y-%m-%d}T{local:%H:%M}"' in block


@pytest.mark.parametrize(
    ("url", "title", "action"),
    [
        ("/queue/", "Your queue is empty", "Write your first post"),
        ("/queue/?show=scheduled", "Nothing is scheduled", "Schedule a post"),
        ("/queue/?show=drafts", "No drafts", "Write a draft"),
        ("/queue/?show=problems", "Nothing needs your attention", "Write a post"),
        ("/queue/?show=published", "Nothing published yet", "Write a post"),
        ("/queue/?show=cancelled", "No cancelled posts", "Write a post"),
        ("/queue/?show=drafts&q=zebra", "No posts match", "Clear the filters"),
    ],
)
def test_each_empty_view_says_so_and_offers_the_next_step(
    client: Client, bob: User, url: str, title: str, action: str
) -> None:
    client.force_login(bob)
    page = page_of(client, url)
    assert f'<p class="empty-title">{title}</p>' in page
    assert action in page
    assert "queue-bulk" not in page


def test_the_clear_filters_step_keeps_the_view(client: Client, bob: User) -> None:
    client.force_login(bob)
    page = page_of(client, "/queue/?show=drafts&q=zebra")
    assert '<a href="/queue/?show=drafts" class="btn btn-primary">' in page


def _thousand_posts(user: User) -> None:
    """A thousand posts in every state, written straight into their end states (what path led there is beside
    the point for reading them), each with a target and some with a second."""
    accounts = [create_account(user, Platform.MASTODON), create_account(user, Platform.BLUESKY)]
    statuses = list(TargetStatus.values)
    now = timezone.now()
    workspace = workspace_of(user)
    posts = Post.objects.bulk_create(
        Post(workspace=workspace, author=user, text=f"Post {n}", scheduled_at=now + timedelta(hours=n - 500))
        for n in range(1000)
    )
    PostTarget.objects.bulk_create(
        PostTarget(
            post=post,
            account=account,
            platform=account.platform,
            status=statuses[n % len(statuses)],
            scheduled_at=post.scheduled_at,
        )
        for n, post in enumerate(posts)
        for account in accounts[: 1 + n % 2]
    )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_queue_renders_in_a_fixed_number_of_queries_with_a_thousand_posts(
    client: Client, bob: User, carol: User, django_assert_max_num_queries: object
) -> None:
    create_scheduled_post(bob, [create_account(bob)], text="Just one")
    _thousand_posts(carol)
    client.force_login(bob)
    few = _queries(client, "/queue/")
    client.force_login(carol)
    for url in ("/queue/", "/queue/?page=3", "/queue/?show=problems&q=Post", "/queue/?platform=bluesky"):
        with django_assert_max_num_queries(17):  # type: ignore[operator]  # 17th: the slot queue
            assert client.get(url).status_code == 200
        assert _queries(client, url) == few
