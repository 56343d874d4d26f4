"""A team in a real browser: the owner invites a contributor by email; she signs up from the link and lands in the
workspace; her post waits for approval with its credit held; the owner comments and approves it; a client approves
another through a link, without a login; and the switcher moves between workspaces. Desktop and phone."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.conftest import create_account, make_user
from tests.support.browser import PASSWORD, PHONE, check_page, log_in, needs_browser, open_page, shoot
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.posts.models import PostTarget
from tidings.posts.services import create_post, schedule_post
from tidings.tiers.plans import Tier
from tidings.workspaces.members import create_workspace
from tidings.workspaces.models import Membership

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]


def link_in_mail() -> str:
    found = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body)
    assert found is not None, mail.outbox[-1].body
    return found.group(0)


def test_an_invited_contributor_proposes_and_the_owner_approves(
    browser: "playwright.Browser", page: "playwright.Page", live_server: object
) -> None:
    base = str(live_server)
    carol = make_user("carol", Tier.BUSINESS, time_zone="Europe/Lisbon")
    account = create_account(carol)
    log_in(page, base, "carol")
    page.goto(f"{base}/workspace/members/")
    expect(page.get_by_test_id("seats")).to_contain_text("1 of 10 members on the Business plan")
    page.fill("#id_email", "dana@example.com")
    page.select_option("#id_role", "contributor")
    with page.expect_navigation(url=f"{base}/workspace/members/"):
        page.get_by_role("button", name="Invite").click()
    expect(page.get_by_test_id("invitations")).to_contain_text("dana@example.com as contributor")
    check_page(page)
    shoot(page, "members")

    # Dana, in a browser of her own, follows the link and signs up with the invited address.
    for dana in open_page(browser, PHONE):
        dana.goto(link_in_mail())
        expect(dana.get_by_test_id("invitation")).to_contain_text(
            "invites dana@example.com to work in carol's workspace as contributor"
        )
        check_page(dana)
        dana.get_by_test_id("invitation").get_by_role("link", name="Sign up").click()
        expect(dana.get_by_test_id("signup-invited")).to_contain_text("To join carol's workspace as contributor")
        expect(dana.locator("#id_email")).to_have_value("dana@example.com")
        dana.fill("#id_username", "dana")
        dana.fill("#id_password1", PASSWORD)
        dana.fill("#id_password2", PASSWORD)
        dana.get_by_role("button", name="Create account").click()
        dana.wait_for_url(f"{base}/dashboard/")
        dana_user = User.objects.get(username="dana")
        assert Membership.objects.get(user=dana_user, workspace=workspace_of(carol)).role == "contributor"
        expect(dana.locator(".toast").first).to_contain_text("Welcome to Tidings and to carol's workspace")

        # Her post is proposed, not scheduled.
        post = create_post(join_actor(dana_user, carol), text="Spring menu is out", account_ids=[account.pk])
        dana.goto(f"{base}/queue/")
        expect(dana.locator(f"#post-{post.pk}")).to_be_visible()
        when = (timezone.now().astimezone(workspace_of(carol).zone) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        dana.locator(f"#post-{post.pk}").get_by_role("button", name="Schedule").click()
        dana.fill(f"#when-{post.pk}", when)
        with dana.expect_navigation(url=re.compile(r".*/queue/.*")):
            dana.locator(f"#post-{post.pk} form[action$='/schedule/'] button[type=submit]").click()
        expect(dana.locator(".toast").first).to_contain_text("Sent for approval")
        expect(dana.get_by_test_id("approval-bar")).to_contain_text("Waiting for approval")
        expect(dana.get_by_test_id("approve")).to_have_count(0)
        check_page(dana)
        shoot(dana, "queue-awaiting-approval-phone")

    assert list(PostTarget.objects.filter(post=post).values_list("status", flat=True)) == ["awaiting_approval"]
    page.goto(f"{base}/queue/")
    notes = page.locator(f"#post-{post.pk}-notes")
    notes.locator("summary").click()
    notes.locator("textarea").fill("Add the opening hours?")
    notes.get_by_role("button", name="Send").click()
    expect(page.locator(f"#post-{post.pk}-notes")).to_contain_text("Add the opening hours?")
    check_page(page)
    shoot(page, "queue-approval")
    with page.expect_navigation(url=re.compile(r".*/queue/.*")):
        page.get_by_test_id("approve").click()
    expect(page.locator(".toast").first).to_contain_text("Approved")
    assert list(PostTarget.objects.filter(post=post).values_list("status", flat=True)) == ["scheduled"]


def join_actor(user: User, host: User) -> "object":
    from tidings.workspaces.services import acting_as

    return acting_as(user, workspace_of(host).pk)


def test_a_client_approves_through_a_link_without_a_login(
    browser: "playwright.Browser", page: "playwright.Page", live_server: object
) -> None:
    base = str(live_server)
    carol = make_user("carol", Tier.BUSINESS, time_zone="Europe/Lisbon")
    dana = make_user("dana", Tier.FREE)
    account = create_account(carol)
    writer = join(dana, workspace_of(carol), "contributor")
    post = create_post(writer, text="Autumn opening hours", account_ids=[account.pk])
    schedule_post(writer, post.pk, at=timezone.now() + timedelta(days=2))
    log_in(page, base, "carol")
    page.goto(f"{base}/queue/")
    page.get_by_test_id("share-review").click()
    field = page.locator("#review-link-field")
    expect(field).to_have_value(re.compile(r"/review/"))
    link = field.input_value()
    for client in open_page(browser, PHONE):
        client.goto(link)
        expect(client.get_by_test_id("review-text")).to_have_text("Autumn opening hours")
        check_page(client)
        shoot(client, "review-link-phone")
        client.get_by_test_id("review-approve").click()
        expect(client.get_by_test_id("review-problem")).to_contain_text("Give your name")
        client.fill("#review-name", "Rui from the bakery")
        client.get_by_test_id("review-approve").click()
        expect(client.get_by_test_id("review-done")).to_contain_text("Approved")
    assert list(PostTarget.objects.filter(post=post).values_list("status", flat=True)) == ["scheduled"]
    assert post.notes.last().who == "Rui from the bakery (approval link)"


def test_the_switcher_moves_between_workspaces(page: "playwright.Page", live_server: object) -> None:
    base = str(live_server)
    carol = make_user("carol", Tier.BUSINESS)
    acme = create_workspace(carol, name="Acme Bakery")
    log_in(page, base, "carol")
    expect(page.get_by_test_id("current-workspace").first).to_contain_text("carol's workspace · Business")
    page.locator(".navbar .nav-item.dropdown > a.nav-link").last.click()
    with page.expect_navigation(url=f"{base}/dashboard/"):
        page.get_by_test_id(f"switch-{acme.pk}").last.click()
    expect(page.get_by_test_id("current-workspace").first).to_contain_text("Acme Bakery · Free")
    page.goto(f"{base}/workspace/")
    expect(page.get_by_test_id("workspace-form")).to_contain_text("A shared workspace on the Free plan")
    check_page(page)
    shoot(page, "workspace-settings")
