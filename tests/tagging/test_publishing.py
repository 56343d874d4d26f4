"""UTM tags at publish time: the platform receives tagged links while the post keeps the text as written; a post
that only the tags push over a platform's limit is refused when it is scheduled, saying so."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import create_account
from tests.support.fake_platform import FakePlatform
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.core.errors import InvalidInput
from tidings.credits.models import CreditReservation
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.posts import publishing
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.posts.services import create_post, schedule_post, update_post
from tidings.tagging.selectors import PostChoice, Values
from tidings.tagging.services import set_account_tagging

pytestmark = pytest.mark.django_db

TEXT = "Tonight's menu: https://example.com/menu#today (book early)"
LINK = "https://example.com/book?table=2"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePlatform]:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")  # the fake listens on the loopback
    platform = FakePlatform().start()
    yield platform
    platform.stop()


def hook(user: User, fake: FakePlatform) -> SocialAccount:
    return connect_account(
        owner(user),
        platform=Platform.WEBHOOK,
        external_id="hook",
        handle="hook",
        access_token=fake.secret,
        base_url=fake.url,
    )


def publish(post: Post, fake: FakePlatform) -> dict[str, object]:
    """Through the publishing steps the workflow runs, to the fake's answer; returns the body it received."""
    target = PostTarget.objects.get(post=post)
    later = timezone.now() + timedelta(minutes=6)
    assert [row[0] for row in publishing.claim_due_targets(now=later)] == [target.pk]
    begun = publishing.begin_publish(target.pk, now=later)
    assert begun.action == "publish", begun.reason
    outcome = publishing.send_target(target.pk, first=begun.first, target=begun.target, content=begun.content)
    assert outcome.kind == "published", outcome.message
    assert publishing.complete_publish(target.pk, external_id=outcome.external_id, url=outcome.url)
    return fake.posts[str(target.idempotency_key)].body


def scheduled(user: User, account: SocialAccount, **fields: object) -> Post:
    post = create_post(owner(user), text=TEXT, link=LINK, account_ids=[account.pk], **fields)  # type: ignore[arg-type]
    return schedule_post(owner(user), post.pk, at=timezone.now() + timedelta(minutes=5))


def test_the_platform_receives_tagged_links_and_the_post_keeps_its_text(bob: User, fake: FakePlatform) -> None:
    account = hook(bob, fake)
    set_account_tagging(owner(bob), account.pk, enabled=True, values=Values(campaign="spring"))
    post = scheduled(bob, account)

    body = publish(post, fake)

    utm = "utm_source=webhook&utm_medium=social&utm_campaign=spring"
    assert body["text"] == f"Tonight's menu: https://example.com/menu?{utm}#today (book early)"
    assert body["link"] == f"https://example.com/book?table=2&{utm}"
    post.refresh_from_db()
    assert (post.text, post.link) == (TEXT, LINK)
    assert PostTarget.objects.get(post=post).status == TargetStatus.PUBLISHED


def test_a_post_that_turns_tagging_off_goes_out_as_written(bob: User, fake: FakePlatform) -> None:
    account = hook(bob, fake)
    set_account_tagging(owner(bob), account.pk, enabled=True, values=Values(campaign="spring"))
    body = publish(scheduled(bob, account, tagging=PostChoice("off")), fake)
    assert (body["text"], body["link"]) == (TEXT, LINK)


def test_a_post_with_its_own_values_tags_an_account_that_does_not(bob: User, fake: FakePlatform) -> None:
    account = hook(bob, fake)
    body = publish(scheduled(bob, account, tagging=PostChoice("on", Values(medium="email", content="banner"))), fake)
    assert body["link"] == "https://example.com/book?table=2&utm_source=webhook&utm_medium=email&utm_content=banner"


def test_an_untagged_account_sends_its_links_as_written(bob: User, fake: FakePlatform) -> None:
    body = publish(scheduled(bob, hook(bob, fake)), fake)
    assert (body["text"], body["link"]) == (TEXT, LINK)


def test_tags_that_push_a_post_over_the_limit_are_refused_at_scheduling_saying_why(bob: User) -> None:
    account = create_account(bob, Platform.LINKEDIN)
    set_account_tagging(owner(bob), account.pk, enabled=True, values=Values())
    text = "x" * 2940 + " https://example.com/menu"  # 2965 characters as written, 3003 tagged
    post = create_post(owner(bob), text=text, account_ids=[account.pk])

    with pytest.raises(InvalidInput) as refused:
        schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(hours=1))

    assert refused.value.message == (
        "LinkedIn @bob1: The post is 3003 characters long; LinkedIn allows 3000. Shorten it. "
        "LinkedIn @bob1: That counts the UTM tags added to its links: shorten the text, or turn link tagging off "
        "for this post."
    )
    post.refresh_from_db()
    assert post.draft_reason == refused.value.message
    assert PostTarget.objects.get(post=post).status == TargetStatus.DRAFT
    assert not CreditReservation.objects.filter(target__post=post).exists()

    update_post(owner(bob), post.pk, tagging=PostChoice("off"))
    schedule_post(owner(bob), post.pk, at=timezone.now() + timedelta(hours=1))
    assert PostTarget.objects.get(post=post).status == TargetStatus.SCHEDULED
