"""Event name to workflow function, for processes that enqueue directly."""

from collections.abc import Callable
from typing import Any

from tidings.jobs.workflows import automation, credits, publish, webhooks

WORKFLOWS: dict[str, Callable[..., Any]] = {
    publish.EVENT: publish.process_scheduled_post,
    automation.EVENT: automation.execute_automation_rule,
    "credits/check.expiry": credits.check_credit_expiry,
    "credits/reset.monthly": credits.reset_monthly_credits,
    "credits/check.low": credits.check_low_credits,
    webhooks.EVENT: webhooks.send_delivery,
}
