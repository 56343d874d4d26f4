"""`automation/rule.execute` through DBOS: started by an event or by the per-minute dispatcher."""

from datetime import timedelta

import pytest
from dbos import DBOS
from django.utils import timezone

from tests.conftest import create_account
from tests.generation.fake_openai import Fail, FakeOpenAI, Reply
from tests.jobs.conftest import wait_for
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.automation.models import AutomationRule, Review, RunOutcome
from tidings.automation.services import run_rule_now, save_rule, set_rule_enabled
from tidings.generation.models import GenerationLog
from tidings.jobs.events import send
from tidings.jobs.models import JobLog
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.models import Platform
from tidings.posts.models import Post, TargetStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]


def rule_for(user: User) -> AutomationRule:
    account = create_account(user, Platform.BLUESKY)
    return save_rule(
        owner(user),
        name="Weekly tip",
        schedule="0 9 * * 1",
        brief={"topic": "A tip"},
        account_ids=[account.pk],
        enabled=True,
    )


def run(rule: AutomationRule) -> JobLog:
    workflow_id = send("automation/rule.execute", {"rule_id": rule.pk})
    DBOS.retrieve_workflow(workflow_id).get_result()
    return JobLog.objects.get(workflow_id=workflow_id)


def test_an_event_writes_and_schedules_the_rules_post(bob: User, ai_model: FakeOpenAI) -> None:
    ai_model.default = lambda request: Reply(text="Tip: schedule posts ahead.")
    rule = rule_for(bob)

    log = run(rule)

    post = Post.objects.get(automation_rule=rule)
    assert post.text == "Tip: schedule posts ahead."
    assert post.targets.get().status == TargetStatus.SCHEDULED
    assert (log.event, log.status, log.data["post_id"]) == ("automation/rule.execute", "completed", post.pk)
    assert GenerationLog.objects.filter(workspace=workspace_of(bob), outcome="ok").count() == 1


def test_without_an_ai_provider_the_run_fails_plainly_and_writes_nothing(bob: User) -> None:
    rule = rule_for(bob)

    log = run(rule)

    assert log.status == "failed"
    assert log.data["refused"]["code"] == "no_ai_provider"
    assert "No AI provider is set up" in log.error
    assert not Post.objects.filter(automation_rule=rule).exists()


def test_the_dispatcher_starts_due_rules_once_per_run(bob: User, ai_model: FakeOpenAI) -> None:
    rule = rule_for(bob)
    due = timezone.now() - timedelta(minutes=1)
    AutomationRule.objects.filter(pk=rule.pk).update(next_run_at=due)

    for handle in DBOS.backfill_schedule("automation-dispatch", due - timedelta(minutes=1), timezone.now()):
        handle.get_result()
    wait_for(lambda: JobLog.objects.filter(event="automation/rule.execute", status="completed").exists())

    assert Post.objects.filter(automation_rule=rule).count() == 1
    rule.refresh_from_db()
    assert rule.next_run_at is not None
    assert rule.next_run_at > timezone.now()
    assert len(ai_model.requests) == 1


def run_now(user: User, rule: AutomationRule) -> JobLog:
    workflow_id = run_rule_now(owner(user), rule.pk)
    DBOS.retrieve_workflow(workflow_id).get_result()
    return JobLog.objects.get(workflow_id=workflow_id)


def test_run_now_runs_a_paused_rule_and_leaves_it_paused(bob: User, ai_model: FakeOpenAI) -> None:
    rule = rule_for(bob)
    set_rule_enabled(owner(bob), rule.pk, enabled=False)

    log = run_now(bob, rule)

    post = Post.objects.get(automation_rule=rule)
    assert (log.status, log.data["manual"], log.data["outcome"]) == ("completed", True, "scheduled")
    assert post.targets.get().status == TargetStatus.SCHEDULED
    rule.refresh_from_db()
    assert (rule.enabled, rule.next_run_at, rule.last_outcome, rule.last_post_id) == (
        False,
        None,
        RunOutcome.SCHEDULED,
        post.pk,
    )


def test_a_review_first_run_leaves_its_post_waiting_for_approval(bob: User, ai_model: FakeOpenAI) -> None:
    rule = rule_for(bob)
    AutomationRule.objects.filter(pk=rule.pk).update(review=Review.REVIEW_FIRST)

    log = run(rule)

    post = Post.objects.get(automation_rule=rule)
    assert (log.status, log.data["outcome"], log.data["post_id"]) == ("completed", "review", post.pk)
    assert post.targets.get().status == TargetStatus.AWAITING_APPROVAL
    assert Notification.objects.filter(user=bob, type=NotificationType.POST_REVIEW, data__post_id=post.pk).count() == 1


def test_a_provider_refusing_fails_the_run_notifies_once_and_shows_on_the_rule(bob: User, ai_model: FakeOpenAI) -> None:
    ai_model.default = lambda request: Fail(400, "The model `gpt-x` does not exist.", type="invalid_request_error")
    rule = rule_for(bob)

    first, second = run(rule), run(rule)

    assert (first.status, second.status) == ("failed", "failed")
    assert first.data["refused"]["code"] == second.data["refused"]["code"]
    assert not Post.objects.filter(automation_rule=rule).exists()
    rule.refresh_from_db()
    assert rule.last_outcome == RunOutcome.FAILED
    assert rule.last_error == first.error
    assert rule.failure_cause == first.data["refused"]["code"]
    note = Notification.objects.get(user=bob, type=NotificationType.RULE_FAILED)
    assert note.data == {"rule_id": rule.pk, "cause": rule.failure_cause}
    assert note.message == first.error
