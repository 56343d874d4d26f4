"""The move to workspaces applies to a database filled the way the release before it wrote: each person's plan,
balances, time zone and every row they owned arrive in their personal workspace, and the way back returns them."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Every app as it was just before the plan and the rows moved to workspaces.
BEFORE = [
    ("accounts", "0005_onboarding"),
    ("credits", "0003_video_credits"),
    ("posts", "0005_target_progress"),
    ("platforms", "0002_account_options_pending_connection"),
    ("usage", "0001_initial"),
    ("automation", "0003_automationrule_platform_options"),
    ("generation", "0002_metrics_index"),
    ("jobs", "0002_metrics_index"),
    ("notifications", "0003_post_review"),
    ("api", "0002_apitoken_parent"),
    ("workspaces", "0002_personal_workspaces"),
]
CYCLE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
RENEWS = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)


def fill_the_old_way(apps: Any) -> dict[str, int]:
    """A Pro person with a part-spent balance, their own zone and overrides, and one of everything they owned,
    with the personal workspace and owner membership sign-up gave them then."""
    model = apps.get_model
    user = model("accounts", "User").objects.create(
        username="pat",
        password="!",
        tier="pro",
        time_zone="Asia/Tokyo",
        credits=499,
        video_credits=30,
        credit_cycle_anchor=CYCLE,
        last_credit_reset=CYCLE,
        next_credit_reset=RENEWS,
        tier_limits={"queue_size": 70},
        low_credits_alerted_cycle=CYCLE,
    )
    workspace = model("workspaces", "Workspace").objects.create(name="pat's workspace", personal_owner=user)
    model("workspaces", "Membership").objects.create(workspace=workspace, user=user, role="owner")
    ledger = model("credits", "CreditLedgerEntry").objects
    ledger.create(user=user, kind="grant", amount=500, balance_after=500, cycle_start=CYCLE, reason="First month")
    ledger.create(
        user=user, kind="grant", balance="video_credits", amount=30, balance_after=30, cycle_start=CYCLE, reason="V"
    )
    account = model("platforms", "SocialAccount").objects.create(
        user=user, platform="mastodon", external_id="pat-1", handle="@pat", base_url="https://mastodon.example"
    )
    post = model("posts", "Post").objects.create(user=user, text="Written before workspaces")
    target = model("posts", "PostTarget").objects.create(
        post=post, account=account, platform="mastodon", status="scheduled", scheduled_at=RENEWS
    )
    reservation = model("credits", "CreditReservation").objects.create(
        user=user, target=target, amount=1, cycle_start=CYCLE
    )
    media = model("posts", "MediaAsset").objects.create(
        user=user, post=post, file="uploads/pat.png", kind="image", mime_type="image/png", size_bytes=3
    )
    usage = model("usage", "DailyUsage").objects.create(
        user=user, day=date(2026, 11, 21), metric="generations", platform="", count=2
    )
    rule = model("automation", "AutomationRule").objects.create(
        user=user, name="Mondays", schedule="0 9 * * 1", brief={"topic": "bread"}
    )
    log = model("generation", "GenerationLog").objects.create(
        user=user, provider="openai", model="m", outcome="ok", latency_ms=5
    )
    token = model("api", "ApiToken").objects.create(
        user=user, name="script", prefix="abc123", secret_hash="0" * 64, scopes=["posts:read"]
    )
    notification = model("notifications", "Notification").objects.create(
        user=user, type="post_failed", title="Failed", message="It failed", dedupe_key="post_failed:1"
    )
    return {
        "user": user.pk,
        "workspace": workspace.pk,
        "account": account.pk,
        "post": post.pk,
        "reservation": reservation.pk,
        "media": media.pk,
        "usage": usage.pk,
        "rule": rule.pk,
        "log": log.pk,
        "token": token.pk,
        "notification": notification.pk,
    }


def assert_everything_is_the_personal_workspaces(apps: Any, ids: dict[str, int]) -> None:
    model = apps.get_model
    workspace = model("workspaces", "Workspace").objects.get(pk=ids["workspace"])
    assert workspace.personal_owner_id == ids["user"]
    assert (workspace.tier, workspace.time_zone, workspace.tier_limits) == ("pro", "Asia/Tokyo", {"queue_size": 70})
    assert (workspace.credits, workspace.video_credits) == (499, 30)
    assert (workspace.credit_cycle_anchor, workspace.last_credit_reset, workspace.next_credit_reset) == (
        CYCLE,
        CYCLE,
        RENEWS,
    )
    assert workspace.low_credits_alerted_cycle == CYCLE
    ledger = model("credits", "CreditLedgerEntry").objects.order_by("pk")
    assert list(ledger.values_list("workspace_id", "balance", "amount")) == [
        (workspace.pk, "credits", 500),
        (workspace.pk, "video_credits", 30),
    ]
    for label, key in [
        ("credits.CreditReservation", "reservation"),
        ("platforms.SocialAccount", "account"),
        ("posts.MediaAsset", "media"),
        ("usage.DailyUsage", "usage"),
        ("automation.AutomationRule", "rule"),
        ("generation.GenerationLog", "log"),
    ]:
        assert model(*label.split(".")).objects.get(pk=ids[key]).workspace_id == workspace.pk, label
    post = model("posts", "Post").objects.get(pk=ids["post"])
    assert (post.workspace_id, post.author_id) == (workspace.pk, ids["user"])
    token = model("api", "ApiToken").objects.get(pk=ids["token"])
    assert (token.user_id, token.workspace_id) == (ids["user"], workspace.pk)
    notification = model("notifications", "Notification").objects.get(pk=ids["notification"])
    assert (notification.user_id, notification.workspace_id) == (ids["user"], workspace.pk)


@pytest.mark.django_db(transaction=True)
def test_every_row_moves_to_the_personal_workspace_and_back() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        ids = fill_the_old_way(executor.loader.project_state(BEFORE).apps)

        executor = MigrationExecutor(connection)
        newest = executor.loader.graph.leaf_nodes()
        executor.migrate(newest)
        assert_everything_is_the_personal_workspaces(
            MigrationExecutor(connection).loader.project_state(newest).apps, ids
        )

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        user = old.get_model("accounts", "User").objects.get(pk=ids["user"])
        assert (user.tier, user.time_zone, user.credits, user.video_credits) == ("pro", "Asia/Tokyo", 499, 30)
        assert (user.last_credit_reset, user.next_credit_reset, user.tier_limits) == (
            CYCLE,
            RENEWS,
            {"queue_size": 70},
        )
        assert set(old.get_model("credits", "CreditLedgerEntry").objects.values_list("user_id", flat=True)) == {
            ids["user"]
        }
        assert old.get_model("posts", "Post").objects.get(pk=ids["post"]).user_id == ids["user"]
        assert old.get_model("credits", "CreditReservation").objects.get(pk=ids["reservation"]).user_id == ids["user"]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_person_without_a_personal_workspace_gets_one_on_the_way() -> None:
    # Made by `createsuperuser` on the release before: no workspace, yet a balance and a ledger row of their own.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        admin = old.get_model("accounts", "User").objects.create(
            username="root", password="!", is_staff=True, is_superuser=True, credits=10, tier="free"
        )
        old.get_model("credits", "CreditLedgerEntry").objects.create(
            user=admin, kind="grant", amount=10, balance_after=10, cycle_start=CYCLE, reason="First month"
        )

        executor = MigrationExecutor(connection)
        newest = executor.loader.graph.leaf_nodes()
        executor.migrate(newest)
        new = MigrationExecutor(connection).loader.project_state(newest).apps
        workspace = new.get_model("workspaces", "Workspace").objects.get(personal_owner_id=admin.pk)
        assert workspace.credits == 10
        entry = new.get_model("credits", "CreditLedgerEntry").objects.get()
        assert entry.workspace_id == workspace.pk
        assert new.get_model("workspaces", "Membership").objects.get(workspace=workspace).role == "owner"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
