"""Changing the email address: a link to the new address, used once, and only while nothing else changed."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests.conftest import make_user
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.accounts.services import confirm_email_change, request_email_change
from tidings.core.errors import Conflict, InvalidInput
from tidings.credits.models import CreditLedgerEntry, LedgerKind
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db


def link(token: str) -> str:
    return f"https://tidings.example/settings/email/confirm/{token}/"


def sent_token() -> str:
    found = re.search(r"/settings/email/confirm/([^/\s]+)/", mail.outbox[-1].body)
    assert found is not None
    return found.group(1)


def test_the_address_changes_only_when_the_link_is_followed() -> None:
    dana = make_user("dana", Tier.FREE, email="dana@example.com")
    assert request_email_change(dana, new_email=" Dana@New.example ", link=link) == "dana@new.example"
    assert [m.to for m in mail.outbox] == [["dana@new.example"]]
    assert "Follow this link to use dana@new.example" in mail.outbox[0].body
    dana.refresh_from_db()
    assert dana.email == "dana@example.com"

    token = sent_token()
    changed = confirm_email_change(token)
    assert changed.email == "dana@new.example"
    # The old address hears of it, in case it was not its owner's doing.
    assert mail.outbox[-1].to == ["dana@example.com"]
    assert "now uses dana@new.example" in mail.outbox[-1].body
    with pytest.raises(Conflict, match="the link has been used"):
        confirm_email_change(token)


def test_a_taken_or_unchanged_address_is_refused_before_anything_is_sent() -> None:
    dana = make_user("dana", Tier.FREE, email="dana@example.com")
    make_user("erin", Tier.FREE, email="erin@example.com")
    with pytest.raises(InvalidInput, match=re.escape("An account already uses this email address.")) as taken:
        request_email_change(dana, new_email="ERIN@example.com", link=link)
    assert taken.value.details == {"field": "email"}
    with pytest.raises(InvalidInput, match="the account uses already"):
        request_email_change(dana, new_email="dana@EXAMPLE.com", link=link)
    with pytest.raises(InvalidInput, match=re.escape("Enter a valid email address.")):
        request_email_change(dana, new_email="not an address", link=link)
    assert mail.outbox == []


def test_a_link_for_an_address_taken_meanwhile_or_after_another_change_changes_nothing() -> None:
    dana = make_user("dana", Tier.FREE, email="dana@example.com")
    request_email_change(dana, new_email="one@example.com", link=link)
    first = sent_token()
    request_email_change(dana, new_email="two@example.com", link=link)
    second = sent_token()
    make_user("erin", Tier.FREE, email="two@example.com")
    with pytest.raises(Conflict, match=re.escape("An account already uses this email address.")):
        confirm_email_change(second)
    confirm_email_change(first)
    # Sent while the account used dana@example.com; it has moved since.
    User.objects.filter(username="erin").update(email="erin@example.com")
    with pytest.raises(Conflict, match="changed since this link was sent"):
        confirm_email_change(second)
    assert User.objects.get(username="dana").email == "one@example.com"


def test_an_expired_or_tampered_link_is_refused() -> None:
    dana = make_user("dana", Tier.FREE, email="dana@example.com")
    request_email_change(dana, new_email="new@example.com", link=link)
    token = sent_token()
    with pytest.raises(InvalidInput, match="not valid"):
        confirm_email_change(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    with (
        time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)),
        pytest.raises(InvalidInput, match="expired"),
    ):
        confirm_email_change(token)
    assert User.objects.get(pk=dana.pk).email == "dana@example.com"


def test_proving_a_new_address_before_the_first_confirms_the_account() -> None:
    """Signed up with a mistyped address: the new one, once proven, starts the first credit cycle, once."""
    dana = make_user("dana", Tier.FREE, email="dana@exmaple.com", email_confirmed=False)
    assert (workspace_of(dana).credits, workspace_of(dana).awaiting_first_cycle) == (0, True)
    request_email_change(dana, new_email="dana@example.com", link=link)
    dana = confirm_email_change(sent_token())
    assert (dana.email, workspace_of(dana).credits, workspace_of(dana).awaiting_first_cycle) == (
        "dana@example.com",
        10,
        False,
    )
    grants = CreditLedgerEntry.objects.filter(workspace=workspace_of(dana), balance="credits").values_list(
        "kind", "amount"
    )
    assert list(grants) == [(LedgerKind.GRANT, 10)]
