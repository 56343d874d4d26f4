from datetime import UTC, datetime

import pytest

from tests.api.conftest import Api, error
from tests.conftest import create_account
from tests.support.feed_server import Document, FeedServer, Item, rss
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.api.models import IdempotencyRecord
from tidings.automation.models import AutomationRule
from tidings.automation.services import record_rule_failure
from tidings.generation.config import NoProviderConfigured
from tidings.posts.models import Post
from tidings.posts.services import create_post

pytestmark = pytest.mark.django_db


def rule(account_id: int, **changes: object) -> dict[str, object]:
    return {
        "name": "Daily bread",
        "schedule": "0 9 * * 1-5",
        "brief": {"topic": "Bread"},
        "account_ids": [account_id],
        **changes,
    }


def test_create_read_update_enable_disable(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    created = bob_api.post("/automation/rules", rule(account.pk))
    assert created.status_code == 201
    body = created.json()
    assert (body["enabled"], body["account_ids"], body["brief"]["topic"]) == (False, [account.pk], "Bread")
    rule_id = body["id"]
    assert bob_api.get(f"/automation/rules/{rule_id}").json()["name"] == "Daily bread"
    assert bob_api.put(f"/automation/rules/{rule_id}", rule(account.pk, name="Weekly")).json()["name"] == "Weekly"
    enabled = bob_api.post(f"/automation/rules/{rule_id}/enable").json()
    assert enabled["enabled"] is True
    assert enabled["next_run_at"] is not None
    assert bob_api.post(f"/automation/rules/{rule_id}/disable").json()["enabled"] is False
    assert [r["id"] for r in bob_api.get("/automation/rules").json()["items"]] == [rule_id]


def test_bad_rules_name_the_field(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    assert (
        error(bob_api.post("/automation/rules", rule(account.pk, schedule="daily")), 400, "invalid_input")["field"]
        == "schedule"
    )
    assert (
        error(bob_api.post("/automation/rules", rule(account.pk, brief={})), 400, "invalid_input")["field"]
        == "brief.topic"
    )
    assert (
        error(bob_api.post("/automation/rules", rule(account.pk, account_ids=[])), 400, "invalid_input")["field"]
        == "account_ids"
    )
    assert not AutomationRule.objects.exists()


def test_free_plan_cannot_enable_a_rule(alice: User, alice_api: Api) -> None:
    account = create_account(alice)
    body = error(alice_api.post("/automation/rules", rule(account.pk, enabled=True)), 403, "tier_limit_reached")
    assert (body["limit"], body["used"], body["tier"]) == (0, 0, "free")
    assert not AutomationRule.objects.exists()


def test_another_users_rule_is_404(alice: User, bob: User, alice_api: Api, bob_api: Api) -> None:
    account = create_account(bob)
    rule_id = bob_api.post("/automation/rules", rule(account.pk)).json()["id"]
    mine = create_account(alice)
    error(alice_api.get(f"/automation/rules/{rule_id}"), 404, "not_found")
    error(alice_api.put(f"/automation/rules/{rule_id}", rule(mine.pk)), 404, "not_found")
    error(alice_api.post(f"/automation/rules/{rule_id}/enable"), 404, "not_found")
    assert alice_api.get("/automation/rules").json()["items"] == []
    assert AutomationRule.objects.get(pk=rule_id).name == "Daily bread"


def test_review_first_is_set_read_and_changed(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    created = bob_api.post("/automation/rules", rule(account.pk, review="review_first")).json()
    assert (created["review"], created["last_outcome"], created["last_error"], created["last_post_id"]) == (
        "review_first",
        "",
        "",
        None,
    )
    assert bob_api.get(f"/automation/rules/{created['id']}").json()["review"] == "review_first"
    assert bob_api.put(f"/automation/rules/{created['id']}", rule(account.pk)).json()["review"] == "none"
    assert AutomationRule.objects.get().review == "none"


def test_an_unknown_review_is_400_and_creates_nothing(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    body = error(bob_api.post("/automation/rules", rule(account.pk, review="approval")), 400, "invalid_input")
    assert body["field"] == "review"
    assert not AutomationRule.objects.exists()


def test_several_crons_in_one_schedule(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    body = bob_api.post("/automation/rules", rule(account.pk, schedule="0 9 * * 1,4;30 12 * * 1,4")).json()
    assert body["schedule"] == "0 9 * * 1,4; 30 12 * * 1,4"


def test_delete_keeps_the_posts_and_a_second_delete_is_404(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    rule_id = bob_api.post("/automation/rules", rule(account.pk)).json()["id"]
    post = create_post(owner(bob), text="From the rule", account_ids=[account.pk])
    Post.objects.filter(pk=post.pk).update(
        automation_rule_id=rule_id, automation_run_at=datetime(2026, 12, 1, tzinfo=UTC)
    )

    deleted = bob_api.delete(f"/automation/rules/{rule_id}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert not AutomationRule.objects.exists()
    post.refresh_from_db()
    assert (post.text, post.automation_rule_id) == ("From the rule", None)
    error(bob_api.delete(f"/automation/rules/{rule_id}"), 404, "not_found")
    error(bob_api.get(f"/automation/rules/{rule_id}"), 404, "not_found")


def test_a_delete_with_an_idempotency_key_replays_204(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    first_id = bob_api.post("/automation/rules", rule(account.pk)).json()["id"]
    second_id = bob_api.post("/automation/rules", rule(account.pk, name="Other")).json()["id"]
    key = {"Idempotency-Key": "delete-rule-1"}

    first = bob_api.send("delete", f"/automation/rules/{first_id}", headers=key)
    again = bob_api.send("delete", f"/automation/rules/{first_id}", headers=key)
    assert first.status_code == again.status_code == 204
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    body = error(bob_api.send("delete", f"/automation/rules/{second_id}", headers=key), 409, "conflict")
    assert body["field"] == "Idempotency-Key"
    assert list(AutomationRule.objects.values_list("pk", flat=True)) == [second_id]


def test_another_users_rule_cannot_be_deleted(alice: User, bob: User, alice_api: Api, bob_api: Api) -> None:
    rule_id = bob_api.post("/automation/rules", rule(create_account(bob).pk)).json()["id"]
    error(alice_api.delete(f"/automation/rules/{rule_id}"), 404, "not_found")
    assert not IdempotencyRecord.objects.exists()
    assert AutomationRule.objects.filter(pk=rule_id).exists()


def test_the_last_runs_outcome_is_read(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    rule_id = bob_api.post("/automation/rules", rule(account.pk)).json()["id"]
    record_rule_failure(rule_id, NoProviderConfigured())
    body = bob_api.get(f"/automation/rules/{rule_id}").json()
    assert (body["last_outcome"], body["last_error"]) == ("failed", NoProviderConfigured().message)
    assert body["last_run_at"] is not None


def test_platform_options_are_saved_returned_and_checked(bob: User, bob_api: Api) -> None:
    account = create_account(bob)
    created = bob_api.post(
        "/automation/rules", rule(account.pk, platform_options={"mastodon": {"spoiler_text": "Bread"}})
    )
    assert created.status_code == 201
    assert created.json()["platform_options"] == {
        "mastodon": {"visibility": None, "spoiler_text": "Bread", "language": ""}
    }
    rule_id = created.json()["id"]
    refused = error(
        bob_api.put(f"/automation/rules/{rule_id}", rule(account.pk, platform_options={"mastodon": {"colour": "x"}})),
        400,
        "invalid_input",
    )
    assert (refused["field"], refused["message"]) == ("platform_options", "Mastodon has no option named 'colour'.")
    assert AutomationRule.objects.get(pk=rule_id).platform_options["mastodon"]["spoiler_text"] == "Bread"


def test_a_rule_that_watches_a_feed(bob: User, bob_api: Api, feed_server: FeedServer) -> None:
    account = create_account(bob)
    url = feed_server.put("/blog.rss", Document(rss([Item("Hello", "https://shop.example/hello")])))

    created = bob_api.post(
        "/automation/rules",
        rule(account.pk, schedule="0 * * * *", brief={}, feed_url=url, feed_mode="verbatim", enabled=True),
    )

    assert created.status_code == 201
    body = created.json()
    assert (body["feed_url"], body["feed_mode"], body["feed_fetched_at"], body["last_feed_error"]) == (
        url,
        "verbatim",
        None,
        "",
    )
    assert body["brief"]["topic"] == ""
    refused = bob_api.post("/automation/rules", rule(account.pk, schedule="*/5 * * * *", feed_url=url))
    assert error(refused, 400, "invalid_input")["field"] == "schedule"
    bad = bob_api.post("/automation/rules", rule(account.pk, schedule="0 * * * *", feed_url=url, feed_mode="echo"))
    assert bad.status_code == 400
    assert AutomationRule.objects.count() == 1
    enabled = bob_api.post(f"/automation/rules/{body['id']}/disable").json()
    assert (enabled["feed_url"], enabled["feed_mode"]) == (url, "verbatim")
