"""Deleting an account: refused without the password or while a post is being sent; otherwise everything the user
owns goes, their scheduled posts never go out, and their files leave the disk."""

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.states import bring_to
from tidings.accounts.closing import closing_summary, delete_account
from tidings.accounts.models import User
from tidings.core.errors import Conflict, InvalidInput
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.notifications.models import Notification
from tidings.platforms.models import Platform, SocialAccount
from tidings.posts import publishing
from tidings.posts.models import MediaAsset, Post, PostTarget, TargetStatus
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"


def test_the_summary_says_what_goes() -> None:
    bob = make_user("bob", Tier.PRO)
    mastodon, bluesky = create_account(bob, Platform.MASTODON), create_account(bob, Platform.BLUESKY)
    create_scheduled_post(bob, [mastodon, bluesky], days=1)
    sent = create_scheduled_post(bob, [mastodon], days=2)
    bring_to(sent.targets.get(), TargetStatus.PUBLISHING)
    assert closing_summary(bob).__dict__ == {
        "posts": 2,
        "waiting": 2,
        "publishing": 1,
        "held_credits": 3,
        "held_video_credits": 0,
        "credits": 500,
        "video_credits": 30,
        "accounts": 2,
        "media": 0,
    }


def test_a_wrong_password_deletes_nothing() -> None:
    bob = make_user("bob", Tier.PRO)
    create_scheduled_post(bob, [create_account(bob)], days=1)
    for password in ("", "wrong"):
        with pytest.raises(InvalidInput, match=re.escape("That is not your password; nothing was deleted.")) as refusal:
            delete_account(bob, password=password)
        assert refusal.value.details == {"field": "password"}
    assert User.objects.filter(pk=bob.pk).exists()
    assert CreditReservation.objects.filter(user=bob, status="pending").count() == 1


def test_a_post_being_sent_holds_the_deletion_until_it_ends() -> None:
    bob = make_user("bob", Tier.PRO)
    post = create_scheduled_post(bob, [create_account(bob)], days=1)
    target = bring_to(post.targets.get(), TargetStatus.PUBLISHING)
    with pytest.raises(Conflict, match=re.escape("1 post is being published right now.")) as refusal:
        delete_account(bob, password=PASSWORD)
    assert "nothing was deleted" in refusal.value.message
    assert User.objects.filter(pk=bob.pk).exists()
    assert PostTarget.objects.get(pk=target.pk).status == TargetStatus.PUBLISHING
    # The platform answers; its outcome is recorded; then the account can go.
    publishing.complete_publish(target.pk, external_id="sent-1")
    delete_account(bob, password=PASSWORD)
    assert not User.objects.filter(pk=bob.pk).exists()


def test_everything_the_user_owns_goes_and_nothing_of_anyone_else() -> None:
    bob, carol = make_user("bob", Tier.PRO), make_user("carol", Tier.BUSINESS)
    account = create_account(bob)
    waiting = create_scheduled_post(bob, [account], days=1)
    unknown = create_scheduled_post(bob, [account], days=2)
    bring_to(unknown.targets.get(), TargetStatus.UNCONFIRMED)
    done = create_scheduled_post(bob, [account], days=3)
    bring_to(done.targets.get(), TargetStatus.PUBLISHED)
    name = default_storage.save("uploads/" + "a" * 32 + ".png", ContentFile(b"png"))
    MediaAsset.objects.create(user=bob, post=waiting, file=name, kind="image", mime_type="image/png", size_bytes=3)
    theirs = create_scheduled_post(carol, [create_account(carol)], days=1)
    target_ids = list(PostTarget.objects.filter(post__user=bob).values_list("pk", flat=True))

    delete_account(bob, password=PASSWORD)

    assert not User.objects.filter(pk=bob.pk).exists()
    for model in (Post, SocialAccount, CreditReservation, CreditLedgerEntry, Notification, MediaAsset):
        assert not model.objects.filter(user_id=bob.pk).exists(), model
    assert not PostTarget.objects.filter(pk__in=target_ids).exists()
    assert not Path(default_storage.path(name)).exists()
    # A send that was due for one of them finds nothing to do.
    assert publishing.begin_publish(target_ids[0]).action == "done"
    assert Post.objects.filter(pk=theirs.pk).exists()
    assert CreditReservation.objects.filter(user=carol, status="pending").count() == 1
