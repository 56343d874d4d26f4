"""The Plan page: every limit named in words with what is used of it, dates with their year when not this year's,
the ledger this cycle in short, and the way to upgrade as the operator set it, without any setting's name."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post
from tests.support.states import bring_to
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.credits.services import adjust_credits
from tidings.ops import doctor
from tidings.platforms.models import Platform
from tidings.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def plan(client: Client, user: User) -> str:
    client.force_login(user)
    response = client.get("/plan/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "TIDINGS_" not in page
    return page


def usage(page: str) -> list[tuple[str, str]]:
    found = re.findall(r'data-testid="usage-label">(.*?)</span>.*?data-testid="usage-value">(.*?)</span>', page, re.S)
    return [(label, value) for label, value in found]


def test_every_limit_in_use_is_labelled_with_its_count(client: Client, alice: User) -> None:
    account = create_account(alice, Platform.MASTODON)
    create_scheduled_post(alice, [account], minutes=5)
    create_scheduled_post(alice, [account], days=1)
    assert usage(plan(client, alice)) == [
        ("Scheduled posts in the queue", "2 of 5"),
        ("AI generations today", "0 of 5"),
        ("Automation rules switched on", "Not in the Free plan"),
        ("Posts to Mastodon today", "1 of 2"),
        ("Mastodon accounts connected", "1 of 1"),
    ]


def test_every_limit_of_every_plan_is_named_beside_the_users_own(client: Client) -> None:
    from tests.conftest import make_user
    from tidings.tiers.plans import Tier

    dana = make_user("dana", Tier.PRO, tier_limits={"queue_size": 80})
    page = plan(client, dana)
    rows = re.findall(
        r'<tr id="limit-([a-z_]+)" data-testid="limit-row">\s*<th scope="row" class="limit-name">'
        r'<span class="d-block">(.*?)</span>',
        page,
    )
    assert rows == [
        ("queue_size", "Scheduled posts in the queue"),
        ("posts_per_platform_per_day", "Posts a day on each platform"),
        ("generations_per_day", "AI generations a day"),
        ("accounts_per_platform", "Connected accounts on each platform"),
        ("automation_rules", "Automation rules switched on"),
        ("monthly_credits", "Credits each month"),
        ("carryover_cap", "Credits carried into the next month, at most"),
        ("monthly_video_credits", "Video credits each month"),
        ("video_carryover_cap", "Video credits carried into the next month, at most"),
    ]
    assert "yours: 80" in page
    assert '<td class="text-end">2,000</td>' in page  # Business's monthly credits


def test_the_renewal_date_says_its_year_when_it_is_not_this_year(client: Client, bob: User) -> None:
    far = timezone.now() + timedelta(days=400)
    Workspace.objects.filter(personal_owner=bob).update(next_credit_reset=far)
    page = plan(client, bob)
    local = timezone.localtime(far, workspace_of(bob).zone)
    assert f"{local:%a %-d %b %Y, %H:%M}</time>" in page


def test_the_ledger_this_cycle_in_short(client: Client, bob: User) -> None:
    account = create_account(bob)
    bring_to(create_scheduled_post(bob, [account]).targets.get(), "published")
    adjust_credits(workspace_of(bob), amount=-5, reason="Refund of a duplicate")
    page = plan(client, bob)
    lines = re.findall(
        r'data-testid="ledger-line"><th scope="row" class="fw-normal">(.*?)</th><td class="text-end">(.*?)</td>'
        r'<td class="text-end">(.*?)</td>',
        page,
    )
    assert lines == [("Grant", "+500", "+30"), ("Consumed by a published post", "-1", "+0"), ("Adjustment", "-5", "+0")]
    assert "Refund of a duplicate" in page
    assert 'data-testid="credits-available">494<' in page


def test_without_a_setting_users_are_told_to_ask_whoever_runs_the_server(client: Client, alice: User) -> None:
    page = plan(client, alice)
    assert "To change plans, ask the person who runs this Tidings server." in page
    assert 'data-testid="upgrade-button"' not in page
    check = doctor.check_upgrade_path()
    assert (check.level, check.message) == (
        "ok",
        "the Plan page says to ask the person who runs this server, without an address",
    )
    assert "TIDINGS_UPGRADE_URL" in check.fix


def test_an_upgrade_address_is_the_upgrade_button(client: Client, alice: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIDINGS_UPGRADE_URL = "https://billing.example.org/plans"
    settings.TIDINGS_UPGRADE_CONTACT = "billing@example.org"
    page = plan(client, alice)
    assert (
        '<a href="https://billing.example.org/plans" class="btn btn-primary" rel="noopener" '
        'data-testid="upgrade-button">' in page
    )
    assert '<a href="mailto:billing@example.org">billing@example.org</a>' in page
    assert doctor.check_upgrade_path().message == (
        "the Plan page links to https://billing.example.org/plans; questions to billing@example.org"
    )


def test_a_contact_alone_is_whom_to_ask(client: Client, alice: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIDINGS_UPGRADE_CONTACT = "sam@example.org"
    page = plan(client, alice)
    assert (
        'To change plans, ask <a href="mailto:sam@example.org" data-testid="upgrade-contact">sam@example.org</a>.'
        in page
    )
    settings.TIDINGS_UPGRADE_CONTACT = "Sam at the front desk"
    page = plan(client, alice)
    assert '<strong data-testid="upgrade-contact">Sam at the front desk</strong>' in page


def test_an_address_that_is_not_a_web_one_is_not_shown_and_doctor_says_so(
    client: Client, alice: User, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.TIDINGS_UPGRADE_URL = "javascript:alert(1)"
    page = plan(client, alice)
    assert "javascript:" not in page
    assert "ask the person who runs this Tidings server" in page
    assert doctor.check_upgrade_path().level == "warn"
