"""Sign-up, log-in and password reset under abuse: one account per email, credits only for a confirmed address,
closed sign-up, lockouts and throttles per address and per account, and a reset form that tells nothing."""

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.credits.models import CreditLedgerEntry, LedgerKind

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
LINK = re.compile(r"http://testserver(/signup/confirm/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """The throttle counters live in the process's cache, which outlives each test's database transaction."""
    cache.clear()
    yield
    cache.clear()


def sign_up(client: Client, username: str = "dana", email: str = "dana@example.com", **extra: str) -> Any:
    data = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD, "time_zone": "UTC"}
    return client.post("/signup/", data, **extra)


def log_in(client: Client, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def same_page(response: Any) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())


def grants(user: User) -> list[tuple[str, int]]:
    return list(
        CreditLedgerEntry.objects.filter(workspace=workspace_of(user), balance="credits").values_list("kind", "amount")
    )


def test_the_same_email_in_another_case_is_refused_with_a_clear_error(client: Client, settings) -> None:
    settings.TIDINGS_SIGNUP = "open"
    assert sign_up(client, email="Dana@Example.com").status_code == 302
    assert User.objects.get(username="dana").email == "dana@example.com"
    client.logout()
    response = sign_up(client, username="dana2", email="DANA@example.COM")
    assert response.status_code == 200
    assert "An account already uses this email address." in response.content.decode()
    assert list(User.objects.values_list("username", flat=True)) == ["dana"]
    assert CreditLedgerEntry.objects.filter(balance="credits").count() == 1


def test_verify_grants_the_credits_when_the_link_is_followed_once(client: Client, settings) -> None:
    settings.TIDINGS_SIGNUP = "verify"
    response = sign_up(client)
    assert response["Location"] == "/signup/confirm/"
    dana = User.objects.get(username="dana")
    assert (workspace_of(dana).credits, grants(dana)) == (0, [])
    page = client.get("/signup/confirm/").content.decode()
    assert "We sent a link to <strong>dana@example.com</strong>" in page
    assert "Send the link again" in page

    assert [m.to for m in mail.outbox] == [["dana@example.com"]]
    match = LINK.search(mail.outbox[0].body)
    assert match is not None
    response = client.get(match.group(1), follow=True)
    assert "Email confirmed. Your 10 credits for this month are in." in response.content.decode()
    dana.refresh_from_db()
    assert (workspace_of(dana).credits, grants(dana)) == (10, [(LedgerKind.GRANT, 10)])
    assert client.get("/signup/confirm/")["Location"] == "/dashboard/"

    again = client.get(match.group(1))
    assert again.status_code == 400
    assert "confirmed already; the link has been used" in again.content.decode()
    dana.refresh_from_db()
    assert (workspace_of(dana).credits, grants(dana)) == (10, [(LedgerKind.GRANT, 10)])


def test_an_expired_or_tampered_link_is_refused(client: Client, settings) -> None:
    settings.TIDINGS_SIGNUP = "verify"
    sign_up(client)
    match = LINK.search(mail.outbox[0].body)
    assert match is not None
    path = match.group(1)
    tampered = path[:-2] + ("A" if path[-2] != "A" else "B") + "/"
    response = client.get(tampered)
    assert response.status_code == 400
    assert "This confirmation link is not valid." in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        response = client.get(path)
    assert response.status_code == 400
    assert "This confirmation link has expired." in response.content.decode()
    dana = User.objects.get(username="dana")
    assert (workspace_of(dana).credits, grants(dana)) == (0, [])


def test_the_link_is_printed_in_the_servers_log_with_the_console_backend(client: Client, settings, capsys) -> None:
    settings.TIDINGS_SIGNUP = "verify"
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    sign_up(client)
    assert LINK.search(capsys.readouterr().out) is not None


def test_an_unconfirmed_user_who_logs_in_is_told_to_confirm_and_can_resend_a_few_times(
    client: Client, settings
) -> None:
    settings.TIDINGS_SIGNUP = "verify"
    sign_up(client)
    client.logout()
    response = log_in(client, "dana", PASSWORD)
    assert response["Location"] == "/signup/confirm/"
    banner = client.get("/signup/confirm/").content.decode()
    assert "Confirm your email address to receive your plan&#x27;s credits." in banner
    for _ in range(3):
        assert client.post("/signup/confirm/resend/")["Location"] == "/signup/confirm/"
    refused = client.post("/signup/confirm/resend/")
    assert refused.status_code == 429
    assert "A confirmation link was sent several times already." in refused.content.decode()
    assert len(mail.outbox) == 1 + 3
    # Any of the links confirms; the grant still happens once.
    links = {LINK.search(m.body).group(1) for m in mail.outbox}  # type: ignore[union-attr]
    for link in links:
        client.get(link)
    dana = User.objects.get(username="dana")
    assert (workspace_of(dana).credits, grants(dana)) == (10, [(LedgerKind.GRANT, 10)])


def test_closed_sign_up_makes_no_account_but_staff_still_can(client: Client, settings, alice: User) -> None:
    settings.TIDINGS_SIGNUP = "closed"
    assert "Sign-up is closed" in client.get("/signup/").content.decode()
    response = sign_up(client)
    assert response.status_code == 403
    assert not User.objects.filter(username="dana").exists()

    User.objects.filter(pk=alice.pk).update(is_staff=True, is_superuser=True)
    client.force_login(alice)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "dana",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
            # The person's memberships are listed (read-only) on the same page: none yet.
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert workspace_of(User.objects.get(username="dana")).credits == 10


def test_log_in_locks_an_account_after_five_failures_from_anywhere(client: Client, alice: User) -> None:
    for n in range(4):
        assert log_in(client, "alice", "wrong", address=f"10.0.0.{n + 1}").status_code == 200
    assert log_in(client, "alice", "wrong", address="10.0.0.5").status_code == 429
    # The right password, from yet another address: the account is locked for the cool-off.
    response = log_in(client, "alice", PASSWORD, address="10.0.1.1")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed log-ins for this account or from your address (5 in a row)." in page
    assert "Try again in 15 minutes." in page
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert log_in(client, "alice", PASSWORD, address="10.0.1.1")["Location"] == "/dashboard/"


def test_log_in_locks_an_address_after_five_failures_for_any_accounts(client: Client, alice: User, bob: User) -> None:
    for n in range(5):
        log_in(client, f"nobody{n}", "wrong", address="10.0.0.9")
    assert log_in(client, "bob", PASSWORD, address="10.0.0.9").status_code == 429
    assert log_in(client, "bob", PASSWORD, address="10.0.0.10")["Location"] == "/dashboard/"


def test_a_successful_log_in_clears_the_failures(client: Client, alice: User) -> None:
    for _ in range(4):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice", PASSWORD)["Location"] == "/dashboard/"
    client.logout()
    for _ in range(4):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice", PASSWORD)["Location"] == "/dashboard/"


def test_staff_log_in_to_the_admin_through_the_same_throttle(client: Client, alice: User) -> None:
    User.objects.filter(pk=alice.pk).update(is_staff=True)
    response = client.post("/admin/login/?next=/admin/", {"username": "alice", "password": PASSWORD})
    assert response["Location"] == "/admin/"
    client.logout()
    for _ in range(5):
        client.post("/admin/login/", {"username": "alice", "password": "wrong"})
    assert client.post("/admin/login/", {"username": "alice", "password": PASSWORD}).status_code == 429


def test_sign_up_is_throttled_per_address(client: Client, settings) -> None:
    settings.TIDINGS_SIGNUP = "open"
    for n in range(5):
        assert sign_up(client, f"user{n}", f"user{n}@example.com", REMOTE_ADDR="10.0.0.1").status_code == 302
        client.logout()
    refused = sign_up(client, "user5", "user5@example.com", REMOTE_ADDR="10.0.0.1")
    assert refused.status_code == 429
    assert "Too many sign-ups from your address. Try again in" in refused.content.decode()
    assert int(refused["Retry-After"]) <= 3600
    assert not User.objects.filter(username="user5").exists()
    assert sign_up(client, "user5", "user5@example.com", REMOTE_ADDR="10.0.0.2").status_code == 302


def test_behind_a_proxy_the_address_is_the_one_it_forwarded(client: Client, settings) -> None:
    settings.TIDINGS_SIGNUP = "open"
    settings.TIDINGS_PROXY_COUNT = 1
    for n in range(5):
        # The client claims a fresh address every time; the proxy appends the real one.
        forwarded = f"192.0.2.{n}, 203.0.113.7"
        sign_up(client, f"user{n}", f"user{n}@example.com", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        client.logout()
    refused = sign_up(client, "user5", "u5@example.com", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert refused.status_code == 429
    other = sign_up(client, "user5", "u5@example.com", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 302


def test_password_reset_answers_the_same_whether_or_not_an_account_exists(client: Client, alice: User) -> None:
    User.objects.filter(pk=alice.pk).update(email="alice@example.com")
    known = client.post("/password-reset/", {"email": "alice@example.com"}, REMOTE_ADDR="10.0.0.1")
    unknown = client.post("/password-reset/", {"email": "nobody@example.com"}, REMOTE_ADDR="10.0.0.2")
    assert (known.status_code, known["Location"]) == (302, "/password-reset/sent/")
    assert (unknown.status_code, unknown["Location"]) == (302, "/password-reset/sent/")
    # Word for word the same page (each page's own CSRF token aside).
    assert same_page(client.get(known["Location"])) == same_page(client.get(unknown["Location"]))
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


def test_password_reset_is_throttled_per_email_and_per_address_alike_for_unknown_ones(client: Client) -> None:
    for n in range(5):
        client.post("/password-reset/", {"email": "victim@example.com"}, REMOTE_ADDR=f"10.0.0.{n}")
    refused = client.post("/password-reset/", {"email": "victim@example.com"}, REMOTE_ADDR="10.0.9.9")
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.content.decode()
    for n in range(5):
        client.post("/password-reset/", {"email": f"other{n}@example.com"}, REMOTE_ADDR="10.0.5.5")
    assert client.post("/password-reset/", {"email": "fresh@example.com"}, REMOTE_ADDR="10.0.5.5").status_code == 429
    assert client.post("/password-reset/", {"email": "fresh@example.com"}, REMOTE_ADDR="10.0.5.6").status_code == 302
