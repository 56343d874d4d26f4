"""Files added to a post follow the rules of any edit: only drafts and scheduled posts, the platform's rules
checked, and a credit from before the last renewal reserved again."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import create_account, create_scheduled_post
from tests.support.states import bring_to
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import Conflict
from tidings.credits.models import CreditLedgerEntry, CreditReservation, LedgerKind, ReservationStatus
from tidings.credits.renewal import renew_credits
from tidings.posts.media import attach_media
from tidings.posts.models import MediaAsset, TargetStatus

pytestmark = pytest.mark.django_db


def png(name: str = "pic.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_published_post_takes_no_files(bob: User) -> None:
    target = bring_to(create_scheduled_post(bob, [create_account(bob)]).targets.get(), TargetStatus.PUBLISHED)
    with pytest.raises(Conflict, match="only to drafts and scheduled posts"):
        attach_media(owner(bob), target.post_id, uploads=[png()])
    assert MediaAsset.objects.count() == 0


def test_a_file_added_after_renewal_pays_from_the_new_cycle(bob: User) -> None:
    post = create_scheduled_post(bob, [create_account(bob)], days=40)
    old = CreditReservation.objects.get(target__post=post)
    assert (
        renew_credits(workspace_of(bob).pk, now=workspace_of(bob).next_credit_reset + timedelta(minutes=1)) is not None
    )

    attach_media(owner(bob), post.pk, uploads=[png()])

    old.refresh_from_db()
    assert old.status == ReservationStatus.RELEASED
    assert CreditLedgerEntry.objects.filter(reservation=old, kind=LedgerKind.EXPIRE).count() == 1
    assert CreditReservation.objects.get(target__post=post, status=ReservationStatus.PENDING).cycle_start == (
        workspace_of(bob).last_credit_reset
    )
    assert post.media.count() == 1
