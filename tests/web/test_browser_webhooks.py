"""The Webhooks settings page in a real browser: an owner adds an endpoint with its events, copies the secret shown
once, sends a test event and sees it delivered in the log, then redelivers it; on a phone the page fits."""

from collections.abc import Iterator

import pytest

from tests.conftest import make_user
from tests.support.browser import PHONE, check_page, log_in, needs_browser, open_page, shoot
from tests.support.event_receiver import Receiver
from tidings.tiers.plans import Tier
from tidings.webhooks.models import Delivery, Endpoint

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
pytestmark = [pytest.mark.django_db(transaction=True), needs_browser]


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")
    started = Receiver().start()
    yield started
    started.stop()


def test_an_owner_adds_an_endpoint_pings_it_and_redelivers(
    browser: "playwright.Browser", page: "playwright.Page", live_server: object, receiver: Receiver
) -> None:
    base = str(live_server)
    make_user("carol", Tier.BUSINESS)
    log_in(page, base, "carol")
    page.goto(f"{base}/workspace/webhooks/")
    expect(page.get_by_test_id("no-endpoints")).to_be_visible()
    check_page(page)
    page.fill("#id_url", receiver.url)
    page.fill("#id_description", "Our CRM")
    page.get_by_label("post.published: A post went out").check()
    page.get_by_label("post.failed: A post failed").check()
    page.get_by_role("button", name="Add endpoint").click()

    endpoint = Endpoint.objects.get()
    assert endpoint.event_types == ["post.published", "post.failed"]
    expect(page.get_by_test_id("secret")).to_contain_text(endpoint.secret)
    receiver.secret = endpoint.secret
    check_page(page)

    page.get_by_role("button", name="Send a test event").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text(
        "Test event sent. It answered 200."
    )
    delivery = Delivery.objects.get()
    row = page.get_by_test_id(f"delivery-{delivery.pk}")
    expect(row.get_by_test_id("delivery-status")).to_have_text("Delivered")
    expect(row).to_contain_text("ping")
    expect(row).to_contain_text("#1 (on request): 200")
    assert page.get_by_test_id("secret").count() == 0  # shown once; revealed again only on request
    (request,) = receiver.received
    assert request.signature_ok
    assert request.body["type"] == "ping"
    shoot(page, "webhooks")

    receiver.answers = [503]
    row.get_by_role("button", name="Redeliver").click()
    expect(page.get_by_text("Sent again. It answered 503.")).to_be_visible()
    row = page.get_by_test_id(f"delivery-{delivery.pk}")
    expect(row.get_by_test_id("delivery-status")).to_have_text("Failed")
    expect(row).to_contain_text("#2 (on request): 503")
    assert [r.body["id"] for r in receiver.received] == [str(delivery.event_id)] * 2

    page.get_by_role("button", name="Reveal secret").click()
    expect(page.get_by_test_id("secret")).to_contain_text(endpoint.secret)

    for small in open_page(browser, PHONE):
        log_in(small, base, "carol")
        small.goto(f"{base}/workspace/webhooks/{endpoint.pk}/")
        expect(small.get_by_test_id(f"delivery-{delivery.pk}")).to_be_visible()
        check_page(small)
        small.goto(f"{base}/workspace/webhooks/")
        expect(small.get_by_test_id(f"endpoint-{endpoint.pk}")).to_contain_text("Our CRM")
        check_page(small)
        shoot(small, "webhooks-phone")
