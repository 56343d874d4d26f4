"""The automation pages: the rules list, the rule form with its schedule picker and live preview, pause and
resume, delete, "Run now" refused upfront where it cannot work, and a failed run shown on the rule."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from tests.conftest import create_account, make_user
from tests.support.feed_server import Document, FeedServer, Item, rss
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.automation.feed_fetch import FeedError
from tidings.automation.feeds import post_feed_item, refresh_feed
from tidings.automation.models import AutomationRule, Review
from tidings.automation.services import record_rule_failure, save_rule
from tidings.core.errors import InvalidInput
from tidings.platforms.models import Platform
from tidings.posts.models import Post
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def lisbon(db: None) -> User:
    return make_user("lena", Tier.PRO, time_zone="Europe/Lisbon")


def rule_form(account_id: int, **overrides: object) -> dict[str, object]:
    return {
        "name": "Morning tip",
        "schedule_mode": "days",
        "days": ["1", "4"],
        "times": ["09:00"],
        "every": "3",
        "start": "08:00",
        "end": "20:00",
        "cron": "",
        "topic": "A scheduling tip",
        "language": "English",
        "hashtags": "tips scheduling",
        "accounts": [account_id],
        "review": "none",
        "enabled": "on",
        **overrides,
    }


def test_free_sees_why_automation_is_not_available(client: Client, alice: User) -> None:
    client.force_login(alice)
    page = client.get("/automation/").content.decode()
    assert "Automation is not part of the Free plan" in page
    assert "New rule" not in page
    response = client.post("/automation/new/", rule_form(create_account(alice).pk))
    assert "Automation is not part of the Free plan" in response.content.decode()
    assert not AutomationRule.objects.exists()


def test_days_and_times_become_the_rules_cron_and_read_back_in_words(client: Client, lisbon: User) -> None:
    account = create_account(lisbon, Platform.BLUESKY)
    client.force_login(lisbon)
    assert client.post("/automation/new/", rule_form(account.pk)).status_code == 302
    rule = AutomationRule.objects.get(workspace=workspace_of(lisbon))
    assert (rule.schedule, rule.enabled, rule.review) == ("0 9 * * 1,4", True, Review.NONE)
    assert rule.brief["hashtags"] == ["#tips", "#scheduling"]

    listing = client.get("/automation/").content.decode()
    assert "Mondays and Thursdays at 09:00, Europe/Lisbon" in listing
    assert "Active" in listing
    assert "Not run yet" in listing

    page = client.get(f"/automation/{rule.pk}/").content.decode()
    assert re.search(r'id="mode-days" value="days" checked', page)
    assert re.search(r'id="day-1" value="1" checked', page)
    assert re.search(r'id="day-4" value="4" checked', page)
    assert not re.search(r'id="day-2" value="2" checked', page)
    assert 'name="times" value="09:00"' in page


def test_several_times_with_other_minutes_are_kept_as_one_schedule(client: Client, lisbon: User) -> None:
    account = create_account(lisbon)
    client.force_login(lisbon)
    form = rule_form(account.pk, days=["1", "2", "3", "4", "5"], times=["17:00", "09:00", "12:30"])
    assert client.post("/automation/new/", form).status_code == 302
    rule = AutomationRule.objects.get(workspace=workspace_of(lisbon))
    assert rule.schedule == "0 9,17 * * 1-5; 30 12 * * 1-5"
    assert "Weekdays at 09:00, 12:30 and 17:00, Europe/Lisbon" in client.get("/automation/").content.decode()
    page = client.get(f"/automation/{rule.pk}/").content.decode()
    assert re.findall(r'name="times" value="([^"]+)"', page) == ["09:00", "12:30", "17:00", "12:00"]


def test_every_few_hours_and_an_advanced_cron(client: Client, lisbon: User) -> None:
    account = create_account(lisbon)
    client.force_login(lisbon)
    hours = rule_form(account.pk, name="Hourly", schedule_mode="hours", every="3", days=["0", "6"])
    assert client.post("/automation/new/", hours).status_code == 302
    monthly = rule_form(account.pk, name="Monthly", schedule_mode="cron", cron="0  9 1 * *")
    assert client.post("/automation/new/", monthly).status_code == 302
    assert dict(AutomationRule.objects.values_list("name", "schedule")) == {
        "Hourly": "0 8-20/3 * * 0,6",
        "Monthly": "0 9 1 * *",
    }
    listing = client.get("/automation/").content.decode()
    assert "Every 3 hours from 08:00 to 20:00 at weekends, Europe/Lisbon" in listing
    assert "Custom schedule (0 9 1 * *), Europe/Lisbon" in listing
    monthly_rule = AutomationRule.objects.get(name="Monthly")
    page = client.get(f"/automation/{monthly_rule.pk}/").content.decode()
    assert re.search(r'id="mode-cron" value="cron" checked', page)
    assert 'value="0 9 1 * *"' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"schedule_mode": "cron", "cron": "every morning"}, "five cron fields"),
        ({"days": []}, "Choose at least one day of the week."),
        ({"times": []}, "Add at least one time of day."),
        ({"times": ["9 o'clock"]}, "is not a time of day"),
        ({"schedule_mode": "hours", "start": "20:00", "end": "08:00"}, "The last time of the day must be after"),
    ],
)
def test_a_bad_schedule_is_explained_inline_and_nothing_is_saved(
    client: Client, lisbon: User, changes: dict[str, object], message: str
) -> None:
    client.force_login(lisbon)
    response = client.post("/automation/new/", rule_form(create_account(lisbon).pk, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'data-testid="schedule-problem"' in response.content.decode()
    assert not AutomationRule.objects.exists()


def test_the_preview_names_the_next_three_runs_in_the_users_zone(client: Client, lisbon: User) -> None:
    client.force_login(lisbon)
    page = client.post(
        "/automation/schedule-preview/", {"schedule_mode": "days", "days": ["1", "4"], "times": ["09:00"]}
    ).content.decode()
    assert "Mondays and Thursdays at 09:00, Europe/Lisbon" in page
    runs = re.findall(r'<time datetime="([^"]+)">', page)
    assert len(runs) == 3
    for run in runs:
        local = datetime.fromisoformat(run)
        assert (local.strftime("%H:%M"), local.isoweekday() in (1, 4)) == ("09:00", True)
        assert local.utcoffset() == workspace_of(lisbon).zone.utcoffset(local.replace(tzinfo=None))
    assert runs == sorted(runs)
    assert 'data-cron="0 9 * * 1,4"' in page

    wrong = client.post("/automation/schedule-preview/", {"schedule_mode": "cron", "cron": "61 * * * *"})
    assert "five cron fields" in wrong.content.decode()
    assert "<time" not in wrong.content.decode()


def test_review_first_is_saved_and_shown(client: Client, lisbon: User) -> None:
    client.force_login(lisbon)
    client.post("/automation/new/", rule_form(create_account(lisbon).pk, review="review_first"))
    rule = AutomationRule.objects.get(workspace=workspace_of(lisbon))
    assert rule.review == Review.REVIEW_FIRST
    assert 'data-testid="rule-review"' in client.get("/automation/").content.decode()
    assert re.search(r'value="review_first"[^>]*checked', client.get(f"/automation/{rule.pk}/").content.decode())


def test_pause_resume_and_delete_keeps_the_posts_it_wrote(client: Client, lisbon: User) -> None:
    account = create_account(lisbon)
    client.force_login(lisbon)
    client.post("/automation/new/", rule_form(account.pk))
    rule = AutomationRule.objects.get(workspace=workspace_of(lisbon))
    post = create_post(owner(lisbon), text="Written by the rule", account_ids=[account.pk])
    Post.objects.filter(pk=post.pk).update(automation_rule=rule, automation_run_at=datetime(2026, 12, 1, tzinfo=UTC))

    client.post(f"/automation/{rule.pk}/pause/")
    rule.refresh_from_db()
    assert (rule.enabled, rule.next_run_at) == (False, None)
    assert "None while paused" in client.get("/automation/").content.decode()
    back = client.post(f"/automation/{rule.pk}/resume/", {"next": f"/automation/{rule.pk}/"})
    assert back["Location"] == f"/automation/{rule.pk}/"
    rule.refresh_from_db()
    assert rule.enabled is True

    listing = client.get("/automation/").content.decode()
    assert 'data-confirm="Delete “Morning tip”?"' in listing
    response = client.post(f"/automation/{rule.pk}/delete/", follow=True)
    assert "“Morning tip” deleted. The posts it wrote stay in your queue." in response.content.decode()
    assert not AutomationRule.objects.exists()
    post.refresh_from_db()
    assert (post.text, post.automation_rule_id) == ("Written by the rule", None)


def test_run_now_is_refused_upfront_when_it_cannot_work(client: Client, alice: User, lisbon: User) -> None:
    mine = create_account(alice)
    paused = save_rule(
        owner(alice), name="Free rule", schedule="0 9 * * *", brief={"topic": "x"}, account_ids=[mine.pk]
    )
    client.force_login(alice)
    response = client.post(f"/automation/{paused.pk}/run/", follow=True)
    assert "Automation is not part of the Free plan" in response.content.decode()
    assert "Running" not in response.content.decode()

    account = create_account(lisbon)
    rule = save_rule(owner(lisbon), name="Gone", schedule="0 9 * * *", brief={"topic": "x"}, account_ids=[account.pk])
    account.status = "disconnected"
    account.save()
    client.force_login(lisbon)
    response = client.post(f"/automation/{rule.pk}/run/", follow=True)
    assert "None of this rule&#x27;s accounts is connected any more" in response.content.decode()


def test_a_failed_run_shows_on_the_rule_with_the_way_forward(client: Client, lisbon: User) -> None:
    account = create_account(lisbon)
    rule = save_rule(owner(lisbon), name="Tips", schedule="0 9 * * *", brief={"topic": "x"}, account_ids=[account.pk])
    refused = type("Refused", (InvalidInput,), {"code": "ai_provider_error"})
    record_rule_failure(rule.pk, refused("The AI provider refused the request: model not found."))
    client.force_login(lisbon)
    listing = client.get("/automation/").content.decode()
    assert "The AI provider refused the request: model not found." in listing
    assert "Failed" in listing
    page = client.get(f"/automation/{rule.pk}/").content.decode()
    assert "The last run did not schedule a post" in page
    assert 'href="/generate/provider/"' in page


def test_another_users_rule_is_not_found(client: Client, bob: User, carol: User) -> None:
    client.force_login(carol)
    client.post("/automation/new/", rule_form(create_account(carol).pk))
    rule = AutomationRule.objects.get(workspace=workspace_of(carol))
    client.force_login(bob)
    response = client.get(f"/automation/{rule.pk}/", follow=True)
    assert "No such automation rule." in response.content.decode()
    for action in ("pause", "delete", "run"):
        assert (
            "No such automation rule." in client.post(f"/automation/{rule.pk}/{action}/", follow=True).content.decode()
        )
    assert client.get(f"/automation/{rule.pk}/runs/").status_code == 404
    rule.refresh_from_db()
    assert rule.enabled is True


def test_the_runs_panel_stops_asking_after_five_minutes(client: Client, lisbon: User) -> None:
    account = create_account(lisbon)
    rule = save_rule(owner(lisbon), name="Tips", schedule="0 9 * * *", brief={"topic": "x"}, account_ids=[account.pk])
    client.force_login(lisbon)
    asking = client.get(f"/automation/{rule.pk}/runs/?run=rule-unstarted&n=3").content.decode()
    assert 'hx-trigger="every 2s"' in asking
    assert f"/automation/{rule.pk}/runs/?run=rule-unstarted&amp;n=4" in asking
    done = client.get(f"/automation/{rule.pk}/runs/?run=rule-unstarted&n=150").content.decode()
    assert "hx-trigger" not in done
    assert "it waits for the background worker" in done


def test_the_rules_list_reads_a_fixed_number_of_queries(
    client: Client, lisbon: User, django_assert_max_num_queries: object
) -> None:
    accounts = [create_account(lisbon, platform) for platform in (Platform.MASTODON, Platform.BLUESKY)]
    for n in range(12):
        rule = save_rule(
            owner(lisbon),
            name=f"Rule {n}",
            schedule="0 9 * * 1",
            brief={"topic": "x"},
            account_ids=[a.pk for a in accounts],
        )
        record_rule_failure(rule.pk, InvalidInput("No.", field="account_ids"))
    client.force_login(lisbon)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        page = client.get("/automation/").content.decode()
    assert page.count('data-testid="rule"') == 12


def test_the_rule_form_keeps_platform_options_for_the_posts_it_writes(client: Client, lisbon: User) -> None:
    account = create_account(lisbon, Platform.MASTODON)
    client.force_login(lisbon)
    refused = client.post(
        "/automation/new/",
        rule_form(account.pk, **{"ropt-mastodon-language": "zz", "ropt-mastodon-spoiler_text": "Tips"}),
    )
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "Mastodon language: &#x27;zz&#x27; is not a two-letter ISO 639-1 language code" in page
    assert 'name="ropt-mastodon-spoiler_text" value="Tips"' in page
    assert not AutomationRule.objects.exists()

    saved = client.post(
        "/automation/new/",
        rule_form(account.pk, **{"ropt-mastodon-language": "pt", "ropt-mastodon-visibility": "unlisted"}),
    )
    assert saved.status_code == 302
    rule = AutomationRule.objects.get(workspace=workspace_of(lisbon))
    assert rule.platform_options == {"mastodon": {"visibility": "unlisted", "spoiler_text": "", "language": "pt"}}
    page = client.get(f"/automation/{rule.pk}/").content.decode()
    assert '<option value="unlisted" selected>Quiet public</option>' in page


def test_a_rule_watches_a_feed_and_its_page_shows_the_items(
    client: Client, lisbon: User, feed_server: FeedServer
) -> None:
    account = create_account(lisbon)
    client.force_login(lisbon)
    feed = {"schedule_mode": "cron", "cron": "0 * * * *", "topic": "", "feed_mode": "verbatim"}

    wrong = client.post("/automation/new/", rule_form(account.pk, **feed, feed_url="not an address"))
    assert "Enter a valid URL." in wrong.content.decode()
    missing = client.post("/automation/new/", rule_form(account.pk, **feed, feed_url=f"{feed_server.url}/x"))
    assert missing.status_code == 302
    rule = AutomationRule.objects.get()
    assert (rule.feed_url, rule.feed_mode, rule.brief["topic"]) == (f"{feed_server.url}/x", "verbatim", "")
    no_topic = client.post("/automation/new/", rule_form(account.pk, topic=""))
    assert "Say what the post is about." in no_topic.content.decode()
    assert AutomationRule.objects.count() == 1

    with pytest.raises(FeedError):
        refresh_feed(rule.pk)
    page = client.get(f"/automation/{rule.pk}/").content.decode()
    assert "The last check of the feed failed" in page
    assert "The feed&#x27;s server answered 404, not the feed." in page

    url = feed_server.put("/x", Document(rss([Item("Hello & welcome", "https://shop.example/hello")])))
    assert url == rule.feed_url
    [item_id] = refresh_feed(rule.pk) or []
    post = post_feed_item(rule.pk, item_id)
    assert post is not None
    page = client.get(f"/automation/{rule.pk}/").content.decode()
    assert "The last check of the feed failed" not in page
    assert "Hello &amp; welcome" in page
    assert f'href="/posts/{post.pk}/edit/"' in page
