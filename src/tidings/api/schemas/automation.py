from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from tidings.api.schemas import NO_NUL, Id, Input
from tidings.api.schemas.generation import BriefFields
from tidings.automation.models import AutomationRule, RunOutcome
from tidings.platforms.options import options_help

Outcome = Literal["", "scheduled", "review", "draft", "failed"]
OUTCOMES: dict[RunOutcome, Outcome] = {
    RunOutcome.NONE: "",
    RunOutcome.SCHEDULED: "scheduled",
    RunOutcome.REVIEW: "review",
    RunOutcome.DRAFT: "draft",
    RunOutcome.FAILED: "failed",
}


class RuleBrief(BriefFields):
    topic: str = Field(
        "",
        max_length=1000,
        pattern=NO_NUL,
        description="What the posts are about; required unless the rule watches a feed (then: how to write up "
        "each item).",
    )


class RuleIn(Input):
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    schedule: str = Field(
        max_length=200,
        pattern=NO_NUL,
        description="Five cron fields in the workspace's time zone, e.g. 0 9 * * 1-5; several separated by a semicolon "
        "(0 9 * * 1,4; 30 12 * * 1,4).",
    )
    brief: RuleBrief
    account_ids: list[Id] = Field(min_length=1, max_length=100)
    enabled: bool = Field(False, description="Enabled rules count against the plan's limit.")
    review: Literal["none", "review_first"] = Field(
        "none",
        description="none: each run schedules its post. review_first: each run's post waits as a draft for your "
        "review (you are notified) instead of being scheduled.",
    )
    platform_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Options for the posts the rule writes, keyed by platform (youtube, tiktok, ...), each "
        f"checked as a post's. {options_help()}",
    )
    feed_url: str = Field(
        "",
        max_length=2000,
        pattern=NO_NUL,
        description="An RSS or Atom feed to watch (empty for none). Each run checks it; every new item becomes "
        "one post, never twice; the first check posts only the newest few. The schedule may run at most every "
        "15 minutes. With a feed, brief.topic is optional (how to write up each item).",
    )
    feed_mode: Literal["ai", "verbatim"] = Field(
        "ai",
        description="ai: the AI writes each item's post from its title and summary (a generation each). "
        "verbatim: the post is the item's title and link as they are.",
    )


class RuleOut(Schema):
    id: int
    name: str
    enabled: bool
    schedule: str
    brief: dict[str, Any]
    account_ids: list[int]
    review: str
    platform_options: dict[str, dict[str, Any]]
    last_run_at: datetime | None
    last_outcome: Outcome = Field(
        description="What the last run did: scheduled its post, left it waiting for review, kept it as a draft "
        "(scheduling was refused: see last_error), or failed to write one; empty before the first run."
    )
    last_error: str = Field(description="Why the last run did not schedule its post; empty when it did.")
    last_post_id: int | None
    next_run_at: datetime | None
    feed_url: str
    feed_mode: str
    feed_fetched_at: datetime | None = Field(description="When the feed was last read successfully.")
    last_feed_error: str = Field(description="Why the last check of the feed failed; empty when it worked.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, rule: AutomationRule) -> "RuleOut":
        return cls(
            id=rule.pk,
            name=rule.name,
            enabled=rule.enabled,
            schedule=rule.schedule,
            brief=rule.brief,
            account_ids=sorted(a.pk for a in rule.accounts.all()),
            review=rule.review,
            platform_options=rule.platform_options or {},
            last_run_at=rule.last_run_at,
            last_outcome=OUTCOMES[RunOutcome(rule.last_outcome)],
            last_error=rule.last_error,
            last_post_id=rule.last_post_id,
            next_run_at=rule.next_run_at,
            feed_url=rule.feed_url,
            feed_mode=rule.feed_mode,
            feed_fetched_at=rule.feed_fetched_at,
            last_feed_error=rule.last_feed_error,
            created_at=rule.created_at,
            updated_at=rule.updated_at,
        )


class RulePage(Schema):
    items: list[RuleOut]
    count: int
    limit: int
    offset: int
