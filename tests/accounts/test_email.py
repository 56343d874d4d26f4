"""One account per email address, and the first credits only once the address is confirmed."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.accounts.services import awaiting_confirmation, confirm_email, confirmation_token, create_user
from tidings.core.errors import Conflict, InvalidInput
from tidings.credits.models import CreditLedgerEntry, LedgerKind
from tidings.credits.renewal import renew_due_workspaces
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_an_email_is_stored_in_one_spelling_and_refused_in_another_case() -> None:
    dana = create_user("dana", password=PASSWORD, email="  Dana@Example.COM ")
    assert dana.email == "dana@example.com"
    with pytest.raises(InvalidInput, match=r"An account already uses this email address\.") as refusal:
        create_user("dana2", password=PASSWORD, email="DANA@example.com")
    assert refusal.value.details == {"field": "email"}
    assert list(User.objects.values_list("username", flat=True)) == ["dana"]
    assert CreditLedgerEntry.objects.count() == 2  # the first month of credits and of video credits


def test_the_database_refuses_a_second_account_with_the_same_email_in_any_case() -> None:
    create_user("dana", password=PASSWORD, email="dana@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="dana2", email="Dana@Example.com")
    # Accounts without an email (staff-made, demo) are not one address.
    User.objects.create(username="staff1", email="")
    User.objects.create(username="staff2", email="")
    assert User.objects.count() == 3


def test_an_unconfirmed_user_has_no_credits_and_no_cycle_that_renews() -> None:
    erin = create_user("erin", password=PASSWORD, email="erin@example.com", email_confirmed=False)
    assert (workspace_of(erin).credits, awaiting_confirmation(erin)) == (0, True)
    assert not CreditLedgerEntry.objects.filter(workspace=workspace_of(erin)).exists()
    # Months later the monthly renewal still passes them by.
    assert renew_due_workspaces(now=timezone.now() + timedelta(days=95)) == 0
    assert workspace_of(erin).credits == 0
    assert not CreditLedgerEntry.objects.filter(workspace=workspace_of(erin)).exists()


def test_confirming_starts_the_cycle_and_grants_the_plans_credits_once() -> None:
    erin = create_user("erin", password=PASSWORD, email="erin@example.com", tier=Tier.PRO, email_confirmed=False)
    token = confirmation_token(erin)
    confirmed = confirm_email(token)
    assert (workspace_of(confirmed).credits, awaiting_confirmation(confirmed)) == (500, False)
    assert workspace_of(confirmed).next_credit_reset.month != workspace_of(confirmed).last_credit_reset.month
    with pytest.raises(Conflict, match="confirmed already"):
        confirm_email(token)
    with pytest.raises(Conflict):
        confirm_email(confirmation_token(confirmed))
    grants = CreditLedgerEntry.objects.filter(workspace=workspace_of(erin), balance="credits")
    assert [(g.kind, g.amount, g.balance_after) for g in grants] == [(LedgerKind.GRANT, 500, 500)]
    assert workspace_of(erin).credits == 500


def test_an_expired_tampered_or_stale_token_is_refused_and_grants_nothing() -> None:
    erin = create_user("erin", password=PASSWORD, email="erin@example.com", email_confirmed=False)
    token = confirmation_token(erin)
    later = timezone.now() + timedelta(days=3, seconds=5)
    with time_machine.travel(later), pytest.raises(InvalidInput, match="expired"):
        confirm_email(token)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(InvalidInput, match="not valid"):
        confirm_email(tampered)
    # A link for the address the account had before does not confirm the one it has now.
    User.objects.filter(pk=erin.pk).update(email="erin@elsewhere.example")
    with pytest.raises(InvalidInput, match="not valid"):
        confirm_email(token)
    assert (workspace_of(erin).credits, awaiting_confirmation(erin)) == (0, True)
    assert not CreditLedgerEntry.objects.filter(workspace=workspace_of(erin)).exists()


def test_before_confirming_no_renewal_date_is_shown_anywhere() -> None:
    from django.test import Client

    from tests.api.conftest import Api, token

    user = create_user("uma", password="correct horse battery staple", email="uma@example.org", email_confirmed=False)
    client = Client()
    client.force_login(user)
    for page in ("/dashboard/", "/plan/"):
        html = client.get(page).content.decode()
        assert "9999" not in html
        assert "when you confirm your email address" in html
    assert Api(token(user)).get("/credits").json()["next_renewal_at"] is None
    confirm_email(confirmation_token(user))
    renews = Api(token(user)).get("/credits").json()["next_renewal_at"]
    assert renews.startswith(workspace_of(user).next_credit_reset.strftime("%Y-%m-%dT%H:%M:%S"))
