"""Reads the automation pages and the API share: a workspace's rules with what their cards show, and a rule's runs."""

from django.db.models import Prefetch, QuerySet

from tidings.automation.models import AutomationRule, FeedItem
from tidings.automation.services import EVENT
from tidings.jobs.models import JobLog, JobStatus
from tidings.platforms.models import SocialAccount
from tidings.workspaces.models import Workspace

FINISHED = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


def rules_for(workspace: Workspace) -> QuerySet[AutomationRule]:
    """The workspace's rules with their accounts and last post, in two queries more whatever their number."""
    accounts = Prefetch("accounts", queryset=SocialAccount.objects.order_by("platform", "handle"))
    return AutomationRule.objects.filter(workspace=workspace).select_related("last_post").prefetch_related(accounts)


def runs_of(rule: AutomationRule, *, limit: int = 20) -> list[JobLog]:
    """The rule's latest runs, newest first."""
    return list(JobLog.objects.filter(event=EVENT, data__rule_id=rule.pk).order_by("-created_at", "-id")[:limit])


def run_finished(rule: AutomationRule, workflow_id: str) -> bool:
    """Whether the rule's run under `workflow_id` has ended (a run not started yet has not)."""
    return JobLog.objects.filter(
        event=EVENT, workflow_id=workflow_id, data__rule_id=rule.pk, status__in=FINISHED
    ).exists()


def recent_feed_items(rule: AutomationRule, *, limit: int = 10) -> list[FeedItem]:
    """The items the rule's feed showed most recently, newest first, with the post each became."""
    return list(rule.feed_items.select_related("post").order_by("-seen_at", "-id")[:limit])
