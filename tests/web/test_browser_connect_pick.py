"""Choosing what to post as, in a real browser: the pick page after a Facebook sign-in found several Pages, at
desktop and phone width, checked with axe-core and for sideways scroll; a pick over the plan is refused with the
boxes kept, then a smaller pick connects each Page as its own account."""

import pytest

from tests.conftest import make_user
from tests.support.browser import check_page, log_in, needs_browser, shoot
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.platforms.base import Identity, TokenSet
from tidings.platforms.choices import hold_choices
from tidings.platforms.models import PendingConnection, Platform, SocialAccount
from tidings.platforms.services import connect_account
from tidings.tiers.plans import Tier

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]
LONG = "The Extraordinarily Long-Named Neighbourhood Bakery and Community Kitchen of Upper Westbridge"


def found_pages(user: User) -> PendingConnection:
    """What a Facebook sign-in found (the callback's own service keeps it): four Pages, one connected already."""
    connect_account(
        owner(user), platform=Platform.FACEBOOK, external_id="1010", handle="Alice's Bakery", access_token="t"
    )
    pages = [
        ("1010", "Alice's Bakery", ""),
        ("2020", "Corner Cafe", ""),
        ("3030", LONG, ""),
        ("4040", "Acme Shop", "Business Manager: Acme Ltd"),
    ]
    return hold_choices(
        owner(user),
        platform=Platform.FACEBOOK,
        found=[
            (
                Identity(page_id, name, name, options={"kind": "page"} | ({"via": via} if via else {})),
                TokenSet(f"token-{page_id}"),
            )
            for page_id, name, via in pages
        ],
    )


def test_the_pick_page_refuses_a_pick_over_the_plan_then_connects_a_smaller_one(
    page: "playwright.Page", live_server: object
) -> None:
    expect = playwright.expect
    base = str(live_server)
    pia = make_user("pia", Tier.PRO)
    pending = found_pages(pia)
    log_in(page, base, "pia")
    page.goto(f"{base}/connections/pick/{pending.pk}/")
    expect(page.get_by_test_id("pick-room")).to_contain_text(
        "1 of 3 Facebook Pages accounts connected on your plan: you can add 2 more."
    )
    expect(page.get_by_test_id("choice")).to_have_count(4)
    expect(page.get_by_test_id("choice").nth(0).get_by_test_id("choice-connected")).to_have_text("Connected")
    expect(page.get_by_test_id("choice").nth(3)).to_contain_text("Business Manager: Acme Ltd")
    check_page(page)
    shoot(page, "connect-pick")

    for label in ("Corner Cafe", LONG, "Acme Shop"):
        page.get_by_test_id("choice").filter(has_text=label).locator("input").check()
    page.get_by_test_id("pick-submit").click()
    expect(page.get_by_test_id("pick-error")).to_contain_text(
        "You picked 3 new Facebook Pages accounts, but your plan has room for 2 more (1 of 3 connected)."
    )
    expect(page.locator("input[name=choice]:checked")).to_have_count(3)
    assert SocialAccount.objects.filter(workspace=workspace_of(pia)).count() == 1
    check_page(page)

    page.get_by_test_id("choice").filter(has_text="Acme Shop").locator("input").uncheck()
    page.get_by_test_id("pick-submit").click()
    page.wait_for_url(f"{base}/connections/")
    expect(page.locator("#toasts")).to_contain_text("Connected Facebook Pages Corner Cafe")
    accounts = SocialAccount.objects.filter(workspace=workspace_of(pia)).order_by("external_id")
    assert [(a.external_id, a.access_token) for a in accounts] == [
        ("1010", "t"),
        ("2020", "token-2020"),
        ("3030", "token-3030"),
    ]
    assert not PendingConnection.objects.exists()
    check_page(page)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_pick_page_and_a_pinterest_board_picker_fit_a_phone_in_both_themes(
    phone: "playwright.Page", live_server: object, theme: str
) -> None:
    expect = playwright.expect
    base = str(live_server)
    phone.goto(f"{base}/login/")
    phone.evaluate(f"localStorage.setItem('tidings-theme', '{theme}')")
    quinn = make_user("quinn", Tier.FREE)
    pending = found_pages(quinn)
    boards = [{"id": "1", "name": "Cakes"}, {"id": "2", "name": "Bread and everything that goes with a good loaf"}]
    pins = connect_account(
        owner(quinn),
        platform=Platform.PINTEREST,
        external_id="p",
        handle="quinn",
        options={"boards": boards, "board_id": "1"},
    )
    log_in(phone, base, "quinn")
    phone.goto(f"{base}/connections/pick/{pending.pk}/")
    expect(phone.get_by_test_id("pick-room")).to_contain_text("you can add 0 more.")
    check_page(phone)
    shoot(phone, f"connect-pick-phone-{theme}")
    phone.get_by_test_id("pick-discard").click()
    phone.wait_for_url(f"{base}/connections/")
    expect(phone.locator("#toasts")).to_contain_text("Nothing was connected.")
    assert not PendingConnection.objects.exists()

    card = phone.get_by_test_id(f"account-{pins.pk}")
    expect(card.get_by_test_id("default-board")).to_have_value("1")
    check_page(phone)
    card.get_by_test_id("default-board").select_option("2")
    with phone.expect_navigation(url=f"{base}/connections/"):
        card.get_by_test_id("save-board").click()
    expect(phone.locator("#toasts")).to_contain_text("now go to Bread and everything")
    expect(phone.get_by_test_id(f"account-{pins.pk}").get_by_test_id("default-board")).to_have_value("2")
    shoot(phone, f"connections-pinterest-board-phone-{theme}")
    pins.refresh_from_db()
    assert pins.options["board_id"] == "2"
