from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.conftest import create_account, create_scheduled_post
from tests.generation.fake_openai import FakeOpenAI, Reply
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.automation.errors import RulePaused
from tidings.automation.models import AutomationRule, Review, RunOutcome
from tidings.automation.services import (
    check_rule_may_run,
    claim_due_rules,
    delete_rule,
    record_rule_failure,
    run_rule_now,
    save_rule,
    schedule_rule_post,
    set_rule_enabled,
    write_rule_posts,
)
from tidings.core.errors import InvalidInput, NotFound
from tidings.credits.models import CreditReservation, ReservationStatus
from tidings.generation.config import NoProviderConfigured
from tidings.jobs.models import JobLog
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms.models import AccountStatus, Platform
from tidings.posts.approvals import approve_post
from tidings.posts.models import Post, TargetStatus
from tidings.tiers.plans import Tier
from tidings.tiers.services import TierLimitReached
from tidings.workspaces.plan import change_tier, set_tier_limits, set_time_zone
from tidings.workspaces.roles import Role, RoleTooLow

pytestmark = pytest.mark.django_db
BRIEF = {"topic": "Our spring sale", "tone": "warm", "hashtags": ["sale"]}


def make_rule(user: User, *, enabled: bool = True, schedule: str = "0 9 * * *") -> AutomationRule:
    account = create_account(user, Platform.MASTODON)
    return save_rule(
        owner(user), name="Morning post", schedule=schedule, brief=BRIEF, account_ids=[account.pk], enabled=enabled
    )


@pytest.mark.parametrize("schedule", ["", "every day", "61 * * * *", "0 9 * *", "*/5 * * * * *"])
def test_a_schedule_that_is_not_five_cron_fields_is_refused(bob: User, schedule: str) -> None:
    with pytest.raises(InvalidInput) as refusal:
        make_rule(bob, schedule=schedule)
    assert refusal.value.details == {"field": "schedule"}
    assert not AutomationRule.objects.exists()


def test_a_brief_without_a_topic_is_refused(bob: User) -> None:
    account = create_account(bob)
    with pytest.raises(InvalidInput) as refusal:
        save_rule(owner(bob), name="x", schedule="0 9 * * *", brief={"tone": "dry"}, account_ids=[account.pk])
    assert refusal.value.details == {"field": "topic"}


def test_another_workspaces_account_cannot_be_used(alice: User, bob: User) -> None:
    with pytest.raises(InvalidInput) as refusal:
        save_rule(owner(bob), name="x", schedule="0 9 * * *", brief=BRIEF, account_ids=[create_account(alice).pk])
    assert refusal.value.details == {"field": "account_ids"}


def test_free_cannot_enable_a_rule_and_nothing_is_saved(alice: User) -> None:
    with pytest.raises(TierLimitReached) as refusal:
        make_rule(alice)
    assert refusal.value.details["limit"] == 0
    assert "Automation is not part of the Free plan" in refusal.value.message
    assert not AutomationRule.objects.exists()
    assert Notification.objects.filter(user=alice, type=NotificationType.TIER_LIMIT_REACHED).count() == 1


def test_free_may_keep_a_paused_rule(alice: User) -> None:
    rule = make_rule(alice, enabled=False)
    assert rule.enabled is False
    assert rule.next_run_at is None


def test_pro_enables_five_rules_and_a_sixth_is_refused(bob: User) -> None:
    rules = [make_rule(bob, enabled=False) for _ in range(6)]
    for rule in rules[:5]:
        set_rule_enabled(owner(bob), rule.pk, enabled=True)
    with pytest.raises(TierLimitReached) as refusal:
        set_rule_enabled(owner(bob), rules[5].pk, enabled=True)
    assert (refusal.value.details["used"], refusal.value.details["limit"]) == (5, 5)
    rules[5].refresh_from_db()
    assert rules[5].enabled is False
    set_rule_enabled(owner(bob), rules[0].pk, enabled=False)
    assert set_rule_enabled(owner(bob), rules[5].pk, enabled=True).enabled is True


def test_the_schedule_is_read_in_the_workspaces_time_zone_and_claimed_once(bob: User) -> None:
    workspace = set_time_zone(owner(bob), time_zone="Europe/Berlin")
    rule = make_rule(bob)
    assert rule.next_run_at is not None
    local = rule.next_run_at.astimezone(workspace.zone)
    assert (local.hour, local.minute) == (9, 0)

    later = rule.next_run_at + timedelta(minutes=1)
    assert claim_due_rules(now=later) == [(rule.pk, rule.next_run_at)]
    assert claim_due_rules(now=later) == []
    rule.refresh_from_db()
    assert rule.next_run_at is not None
    assert rule.next_run_at.astimezone(workspace.zone).hour == 9
    assert rule.next_run_at > later


def test_a_downgraded_workspace_s_rule_no_longer_runs(bob: User) -> None:
    rule = make_rule(bob)
    change_tier(workspace_of(bob), tier=Tier.FREE)
    with pytest.raises(TierLimitReached):
        check_rule_may_run(rule.pk)


def test_a_run_writes_with_the_model_and_schedules_once(bob: User, ai_model: FakeOpenAI) -> None:
    ai_model.default = lambda request: Reply(text="Spring sale starts now! #sale")
    rule = make_rule(bob)
    run_at = datetime(2026, 12, 1, 9, tzinfo=UTC)

    drafts = write_rule_posts(rule.pk)
    post = schedule_rule_post(rule.pk, run_at=run_at, drafts=drafts)
    again = schedule_rule_post(rule.pk, run_at=run_at, drafts=drafts)

    assert again.pk == post.pk
    assert Post.objects.filter(automation_rule=rule).count() == 1
    assert post.text == "Spring sale starts now! #sale"
    assert "Our spring sale" in ai_model.requests[0].prompt
    target = post.targets.get()
    assert target.status == TargetStatus.SCHEDULED
    assert target.scheduled_at is not None
    assert target.scheduled_at > timezone.now()
    assert CreditReservation.objects.get(target=target).status == ReservationStatus.PENDING


def test_a_run_with_a_full_queue_keeps_the_post_as_a_draft(bob: User, ai_model: FakeOpenAI) -> None:
    set_tier_limits(workspace_of(bob), overrides={"queue_size": 1})
    rule = make_rule(bob)
    create_scheduled_post(bob, [create_account(bob, Platform.BLUESKY)])

    post = schedule_rule_post(rule.pk, run_at=datetime(2026, 12, 1, 9, tzinfo=UTC), drafts=write_rule_posts(rule.pk))

    assert post.targets.get().status == TargetStatus.DRAFT
    assert "queue" in post.draft_reason
    assert post.text == "A post written by the fake model."
    assert not CreditReservation.objects.filter(workspace=workspace_of(bob), target__post=post).exists()


def test_a_rule_set_to_review_first_proposes_its_post_with_its_credit_held(bob: User, ai_model: FakeOpenAI) -> None:
    ai_model.default = lambda request: Reply(text="Spring sale starts now! #sale")
    account = create_account(bob, Platform.MASTODON)
    rule = save_rule(
        owner(bob),
        name="Sale",
        schedule="0 9 * * *",
        brief=BRIEF,
        account_ids=[account.pk],
        enabled=True,
        review=Review.REVIEW_FIRST,
    )
    run_at = datetime(2026, 12, 1, 9, tzinfo=UTC)

    post = schedule_rule_post(rule.pk, run_at=run_at, drafts=write_rule_posts(rule.pk))

    assert post.text == "Spring sale starts now! #sale"
    assert post.author is None
    assert post.targets.get().status == TargetStatus.AWAITING_APPROVAL
    assert CreditReservation.objects.filter(workspace=workspace_of(bob), status="pending").count() == 1
    note = Notification.objects.get(user=bob, type=NotificationType.POST_REVIEW)
    assert (note.title, note.data) == ("A post waits for your approval", {"post_id": post.pk})
    assert note.message.startswith("The rule “Sale” proposed “Spring sale starts now! #sale” for ")
    assert [n.kind for n in post.notes.all()] == ["proposed"]
    rule.refresh_from_db()
    assert (rule.last_outcome, rule.last_post_id, rule.last_run_at, rule.last_error) == (
        RunOutcome.REVIEW,
        post.pk,
        run_at,
        "",
    )
    # The owner approves it: scheduled as proposed, on the credit reserved when it was proposed.
    approve_post(owner(bob), post.pk)
    assert post.targets.get().status == TargetStatus.SCHEDULED
    assert CreditReservation.objects.get(target__post=post).status == ReservationStatus.PENDING


def test_an_unknown_review_choice_is_refused(bob: User) -> None:
    account = create_account(bob)
    with pytest.raises(InvalidInput) as refusal:
        save_rule(owner(bob), name="x", schedule="0 9 * * *", brief=BRIEF, account_ids=[account.pk], review="approval")
    assert refusal.value.details == {"field": "review"}
    assert not AutomationRule.objects.exists()


def test_a_failure_notifies_once_per_rule_and_cause_until_a_run_works(bob: User) -> None:
    rule = make_rule(bob)
    other = make_rule(bob)
    no_ai = NoProviderConfigured()

    record_rule_failure(rule.pk, no_ai)
    record_rule_failure(rule.pk, no_ai)
    record_rule_failure(other.pk, no_ai)
    failures = Notification.objects.filter(user=bob, type=NotificationType.RULE_FAILED)
    assert failures.count() == 2
    note = failures.get(data__rule_id=rule.pk)
    assert note.title == "“Morning post” did not schedule a post"
    assert note.message == no_ai.message
    assert note.data == {"rule_id": rule.pk, "cause": "no_ai_provider"}
    rule.refresh_from_db()
    assert (rule.last_outcome, rule.last_error, rule.failure_cause) == (
        RunOutcome.FAILED,
        no_ai.message,
        "no_ai_provider",
    )
    assert rule.failing_since is not None

    record_rule_failure(
        rule.pk, InvalidInput("None of the rule's accounts is connected any more.", field="account_ids")
    )
    assert failures.count() == 3
    assert failures.filter(data__cause="invalid_input:account_ids").count() == 1

    # A run that works ends the streak: the same cause later is news again.
    run_at = datetime(2026, 12, 2, 9, tzinfo=UTC)
    post = schedule_rule_post(rule.pk, run_at=run_at, drafts=[{"platform": "mastodon", "text": "Hi", "parts": []}])
    rule.refresh_from_db()
    assert (rule.last_outcome, rule.last_post_id, rule.failing_since, rule.failure_cause) == (
        RunOutcome.SCHEDULED,
        post.pk,
        None,
        "",
    )
    record_rule_failure(rule.pk, no_ai)
    assert failures.filter(data__rule_id=rule.pk, data__cause="no_ai_provider").count() == 2


def test_a_paused_or_deleted_rule_reports_nothing(bob: User) -> None:
    rule = make_rule(bob, enabled=False)
    with pytest.raises(RulePaused) as paused:
        check_rule_may_run(rule.pk)
    record_rule_failure(rule.pk, paused.value)
    record_rule_failure(rule.pk + 1000, NoProviderConfigured())
    assert not Notification.objects.filter(type=NotificationType.RULE_FAILED).exists()
    rule.refresh_from_db()
    assert rule.last_outcome == RunOutcome.NONE


def test_a_run_with_a_full_queue_notifies_and_points_at_the_draft(bob: User, ai_model: FakeOpenAI) -> None:
    set_tier_limits(workspace_of(bob), overrides={"queue_size": 1})
    rule = make_rule(bob)
    create_scheduled_post(bob, [create_account(bob, Platform.BLUESKY)])

    post = schedule_rule_post(rule.pk, run_at=datetime(2026, 12, 1, 9, tzinfo=UTC), drafts=write_rule_posts(rule.pk))

    rule.refresh_from_db()
    assert (rule.last_outcome, rule.last_post_id, rule.failure_cause) == (
        RunOutcome.DRAFT,
        post.pk,
        "tier_limit_reached:can_schedule",
    )
    assert rule.last_error == post.draft_reason
    note = Notification.objects.get(type=NotificationType.RULE_FAILED)
    assert note.data == {"rule_id": rule.pk, "cause": "tier_limit_reached:can_schedule", "post_id": post.pk}
    assert note.message == f"{post.draft_reason} The post it wrote waits in your drafts."


def test_a_manual_run_runs_a_paused_rule_where_the_plan_has_automation(alice: User, bob: User) -> None:
    rule = make_rule(bob, enabled=False)
    assert check_rule_may_run(rule.pk, manual=True).pk == rule.pk
    free = make_rule(alice, enabled=False)
    with pytest.raises(TierLimitReached) as refusal:
        check_rule_may_run(free.pk, manual=True)
    assert "Automation is not part of the Free plan" in refusal.value.message


def test_run_now_is_refused_upfront_on_free_and_without_a_connected_account(alice: User, bob: User) -> None:
    free = make_rule(alice, enabled=False)
    with pytest.raises(TierLimitReached):
        run_rule_now(owner(alice), free.pk)
    rule = make_rule(bob, enabled=False)
    rule.accounts.update(status=AccountStatus.DISCONNECTED)
    with pytest.raises(InvalidInput) as refusal:
        run_rule_now(owner(bob), rule.pk)
    assert refusal.value.details == {"field": "account_ids"}
    with pytest.raises(NotFound):
        run_rule_now(owner(alice), rule.pk)
    assert not JobLog.objects.exists()


def test_deleting_a_rule_keeps_its_posts(alice: User, bob: User, ai_model: FakeOpenAI) -> None:
    rule = make_rule(bob)
    post = schedule_rule_post(rule.pk, run_at=datetime(2026, 12, 1, 9, tzinfo=UTC), drafts=write_rule_posts(rule.pk))
    with pytest.raises(NotFound):
        delete_rule(owner(alice), rule.pk)
    delete_rule(owner(bob), rule.pk)
    assert not AutomationRule.objects.exists()
    post.refresh_from_db()
    assert post.automation_rule_id is None
    assert post.targets.get().status == TargetStatus.SCHEDULED
    assert CreditReservation.objects.get(target__post=post).status == ReservationStatus.PENDING
    with pytest.raises(NotFound):
        delete_rule(owner(bob), rule.pk)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRIBUTOR])
def test_a_viewer_or_contributor_may_not_manage_rules(alice: User, bob: User, role: Role) -> None:
    rule = make_rule(bob, enabled=False)
    member = join(alice, workspace_of(bob), role)
    account_ids = list(rule.accounts.values_list("pk", flat=True))
    with pytest.raises(RoleTooLow) as refusal:
        save_rule(member, name="Theirs", schedule="0 9 * * *", brief=BRIEF, account_ids=account_ids)
    assert refusal.value.details == {"role": role.value, "needed": "editor", "action": "automate"}
    with pytest.raises(RoleTooLow):
        set_rule_enabled(member, rule.pk, enabled=True)
    with pytest.raises(RoleTooLow):
        run_rule_now(member, rule.pk)
    with pytest.raises(RoleTooLow):
        delete_rule(member, rule.pk)
    rule.refresh_from_db()
    assert (AutomationRule.objects.count(), rule.enabled, rule.name) == (1, False, "Morning post")
    assert not JobLog.objects.exists()


def test_an_editor_manages_the_workspaces_rules(alice: User, bob: User) -> None:
    rule = make_rule(bob, enabled=False)
    editor = join(alice, workspace_of(bob), Role.EDITOR)
    account_ids = list(rule.accounts.values_list("pk", flat=True))
    made = save_rule(editor, name="Evening post", schedule="0 18 * * *", brief=BRIEF, account_ids=account_ids)
    assert made.workspace_id == workspace_of(bob).pk
    assert set_rule_enabled(editor, rule.pk, enabled=True).enabled is True
    delete_rule(editor, made.pk)
    assert list(AutomationRule.objects.values_list("pk", flat=True)) == [rule.pk]


def test_a_member_of_another_workspace_finds_no_such_rule(alice: User, bob: User, carol: User) -> None:
    rule = make_rule(bob, enabled=False)
    elsewhere = join(alice, workspace_of(carol), Role.ADMIN)
    with pytest.raises(NotFound):
        set_rule_enabled(elsewhere, rule.pk, enabled=True)
    with pytest.raises(NotFound):
        delete_rule(elsewhere, rule.pk)
    assert AutomationRule.objects.filter(pk=rule.pk, enabled=False).exists()


def test_a_rules_post_belongs_to_the_workspace_and_has_no_author(bob: User, ai_model: FakeOpenAI) -> None:
    rule = make_rule(bob)
    post = schedule_rule_post(rule.pk, run_at=datetime(2026, 12, 1, 9, tzinfo=UTC), drafts=write_rule_posts(rule.pk))
    assert (post.workspace_id, post.author_id) == (workspace_of(bob).pk, None)
    assert post.targets.get().status == TargetStatus.SCHEDULED


def test_a_review_goes_to_approvers_and_a_failure_to_rule_managers(alice: User, bob: User, carol: User) -> None:
    workspace = workspace_of(bob)
    join(alice, workspace, Role.EDITOR)
    join(carol, workspace, Role.CONTRIBUTOR)
    account = create_account(bob)
    rule = save_rule(
        owner(bob),
        name="Sale",
        schedule="0 9 * * *",
        brief=BRIEF,
        account_ids=[account.pk],
        enabled=True,
        review=Review.REVIEW_FIRST,
    )
    drafts = [{"platform": "mastodon", "text": "Hi", "parts": []}]
    schedule_rule_post(rule.pk, run_at=datetime(2026, 12, 1, 9, tzinfo=UTC), drafts=drafts)
    record_rule_failure(rule.pk, NoProviderConfigured())

    def told(kind: NotificationType) -> set[str]:
        found = Notification.objects.filter(type=kind, workspace=workspace)
        return set(found.values_list("user__username", flat=True))

    assert told(NotificationType.POST_REVIEW) == {"alice", "bob"}
    assert told(NotificationType.RULE_FAILED) == {"alice", "bob"}
    key = Notification.objects.filter(type=NotificationType.RULE_FAILED).values_list("dedupe_key", flat=True).first()
    assert key is not None
    assert key.startswith(f"{workspace.pk}:rule_failed:{rule.pk}:")
