"""What the automation pages say about a rule: its schedule in words, its last run's outcome, and the way forward
from a failed run."""

from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils.html import format_html

from tidings.automation.models import AutomationRule, RunOutcome
from tidings.automation.picker import in_words
from tidings.jobs.models import JobLog, JobStatus

register = template.Library()

OUTCOME_STATUS = {
    RunOutcome.SCHEDULED: "published",
    RunOutcome.REVIEW: "review",
    RunOutcome.DRAFT: "skipped",
    RunOutcome.FAILED: "failed",
}


@dataclass(frozen=True)
class Remedy:
    label: str
    url: str


@register.simple_tag
def schedule_words(expression: str, zone: str) -> str:
    return in_words(expression, zone)


@register.simple_tag
def outcome_badge(outcome: str) -> str:
    if outcome not in OUTCOME_STATUS:
        return ""
    return format_html(
        '<span class="badge status-{}" data-testid="rule-outcome">{}</span>',
        OUTCOME_STATUS[RunOutcome(outcome)],
        RunOutcome(outcome).label,
    )


@register.simple_tag
def rule_remedies(rule: AutomationRule) -> list[Remedy]:
    """The actions that help after the rule's last run did not schedule its post, most useful first."""
    if not rule.failed:
        return []
    found = []
    if rule.last_outcome == RunOutcome.DRAFT and rule.last_post_id:
        found.append(Remedy("Open the draft", reverse("post-edit", args=[rule.last_post_id])))
    cause = rule.failure_cause
    if cause.startswith(("no_ai_provider", "ai_provider")):
        found.append(Remedy("Set up your AI provider", reverse("generate-provider")))
    elif cause.startswith(("tier_limit_reached", "insufficient_credits")):
        found.append(Remedy("See your plan", reverse("plan")))
    elif cause.startswith(("invalid_input:account_ids", "conflict")):
        found.append(Remedy("Check your accounts", reverse("connections")))
    return found


@register.simple_tag
def run_badge(run: JobLog) -> str:
    """A run's outcome from its job log: what the rule's own outcome would have said at the time."""
    data = run.data if isinstance(run.data, dict) else {}
    if run.status in (JobStatus.PENDING, JobStatus.RUNNING):
        colour, label = "queued", "Running"
    elif run.status == JobStatus.FAILED:
        colour, label = ("skipped", "Kept as a draft") if data.get("post_id") else ("failed", "Failed")
    elif run.status == JobStatus.CANCELLED:
        colour, label = "cancelled", "Cancelled"
    elif data.get("outcome") == RunOutcome.REVIEW:
        colour, label = "review", "Waiting for review"
    else:
        colour, label = "published", "Scheduled"
    return format_html('<span class="badge status-{}" data-testid="run-outcome">{}</span>', colour, label)
