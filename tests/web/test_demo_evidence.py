"""What a demo user sees agrees with the product's own rules: sent posts carry their attempts, and today's counts
on the dashboard are the ones a refusal would quote."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.workspaces import workspace_of
from tidings.accounts.demo import seed_demo
from tidings.accounts.models import User
from tidings.posts.models import PostTarget, TargetStatus
from tidings.tiers.checks import can_plan_post

pytestmark = pytest.mark.django_db


def test_demo_posts_that_were_sent_show_their_attempt() -> None:
    seed_demo(password="demo password 1")
    sent = PostTarget.objects.filter(
        post__workspace__personal_owner__username="demo-free",
        status__in=(TargetStatus.PUBLISHED, TargetStatus.FAILED, TargetStatus.UNCONFIRMED),
    )
    outcomes = {t.status: list(t.attempt_history.values_list("number", "outcome")) for t in sent}
    assert outcomes == {
        TargetStatus.PUBLISHED: [(1, "published")],
        TargetStatus.FAILED: [(1, "permanent")],
        TargetStatus.UNCONFIRMED: [(1, "unknown")],
    }


def test_the_dashboard_counts_todays_posts_as_scheduling_does(client: Client) -> None:
    seed_demo(password="demo password 1")
    user = User.objects.get(username="demo-free")
    [platform] = set(workspace_of(user).social_accounts.values_list("platform", flat=True))
    decision = can_plan_post(workspace_of(user), platform=platform, at=timezone.now())
    client.force_login(user)
    page = client.get("/dashboard/").content.decode()
    assert f"{decision.used} / {decision.limit}" in page
    assert decision.used == 2  # published today, plus the unconfirmed one sent today
