from datetime import datetime
from typing import Any, Literal, get_args

from ninja import Field, Schema

from tidings.api.schemas import NO_NUL, Id, Input, Link, PageQuery, Text
from tidings.api.schemas.tagging import PostUtmIn, PostUtmOut
from tidings.api.times import IsoTime
from tidings.platforms.connectors.thread import MAX_THREAD_PARTS
from tidings.platforms.models import Platform
from tidings.platforms.options import effective_options, options_help
from tidings.posts.models import AttemptOutcome, Post, PostTarget, PublishAttempt, TargetStatus
from tidings.posts.services import post_status
from tidings.tagging.selectors import PostChoice, post_choice
from tidings.tagging.services import clean_choice

TIME_HELP = "ISO 8601; without a UTC offset it is read in the workspace's time zone."


OPTIONS_HELP = f"This platform's options for the post, checked for the account's platform. {options_help()}"


class AccountOptionsIn(Input):
    account_id: Id = Field(description="One of the post's accounts.")
    options: dict[str, Any] = Field(description=OPTIONS_HELP)


THREAD_HELP = (
    "The posts of a hand-written thread after the first (`text`), in order, on X, Bluesky, Mastodon and Threads; "
    "each goes out as written and must fit the platform on its own. A platform without threads refuses the post "
    "when it is scheduled, with the reason."
)
COMMENT_HELP = (
    "Posted as a reply (or comment) under the first post once it is out, on X, LinkedIn, Facebook, Instagram, "
    "Threads, Bluesky, Mastodon and YouTube. If it fails, the post stays published and the target's `error` says "
    "why, with the comment's text."
)


class PostCreateIn(Input):
    text: Text = ""
    link: Link = ""
    account_ids: list[Id] = Field(default_factory=list, max_length=100, description="Your connected accounts.")
    thread_parts: list[Text] = Field(default_factory=list, max_length=MAX_THREAD_PARTS - 1, description=THREAD_HELP)
    first_comment: Text = Field("", description=COMMENT_HELP)
    options: list[AccountOptionsIn] = Field(
        default_factory=list, max_length=100, description="Per-account platform options (a YouTube title, ...)."
    )
    utm: PostUtmIn | None = Field(None, description="Link tagging for this post; omitted: as each account is set.")

    def options_by_account(self) -> dict[int, dict[str, Any]]:
        return {entry.account_id: entry.options for entry in self.options}

    def tagging(self) -> PostChoice | None:
        return tagging_of(self.utm)


def tagging_of(utm: PostUtmIn | None) -> PostChoice | None:
    return None if utm is None else clean_choice(utm.mode, **utm.values().as_dict())


class PostUpdateIn(Input):
    text: Text | None = None
    link: Link | None = None
    account_ids: list[Id] | None = Field(None, max_length=100)
    thread_parts: list[Text] | None = Field(None, max_length=MAX_THREAD_PARTS - 1, description=THREAD_HELP)
    first_comment: Text | None = Field(None, description=COMMENT_HELP)
    options: list[AccountOptionsIn] | None = Field(
        None, max_length=100, description="Replaces the options of each account named; the others keep theirs."
    )
    utm: PostUtmIn | None = Field(None, description="Replaces the post's link tagging; omitted: it stays.")

    def tagging(self) -> PostChoice | None:
        return tagging_of(self.utm)

    def options_by_account(self) -> dict[int, dict[str, Any]] | None:
        return None if self.options is None else {entry.account_id: entry.options for entry in self.options}


class ScheduleIn(Input):
    scheduled_at: IsoTime = Field(description=TIME_HELP)


class RetryIn(Input):
    scheduled_at: IsoTime | None = Field(None, description=f"{TIME_HELP} Omitted: as soon as possible.")


class WentOutIn(Input):
    url: str = Field(
        "", max_length=2000, pattern=NO_NUL, description="The post's address on the platform (http or https), if known."
    )


class PostFilters(PageQuery):
    status: TargetStatus | None = Field(None, description="Posts with at least one target in this status.")
    platform: Platform | None = Field(None, description="Posts with a target on this platform.")
    scheduled_after: IsoTime | None = Field(None, description=TIME_HELP)
    scheduled_before: IsoTime | None = Field(None, description=TIME_HELP)
    q: str = Field("", max_length=200, pattern=r"^[^\x00]*$", description="Text to look for in the text or link.")


class AttemptOut(Schema):
    number: int = Field(description="The send this call made or checked, counting from 1.")
    started_at: datetime
    duration_ms: int
    outcome: AttemptOutcome
    detail: str = Field(description="The platform's answer in short.")

    @classmethod
    def of(cls, attempt: PublishAttempt) -> "AttemptOut":
        return cls(
            number=attempt.number,
            started_at=attempt.started_at,
            duration_ms=attempt.duration_ms,
            outcome=AttemptOutcome(attempt.outcome),
            detail=attempt.detail,
        )


class TargetOut(Schema):
    id: int
    account_id: int
    platform: str
    status: str
    scheduled_at: datetime | None
    published_at: datetime | None
    external_url: str = Field(description="The published post's address; empty unless it is an http(s) address.")
    error: str
    options: dict[str, Any] = Field(description="What it is sent with: the options chosen, defaults filled in.")
    attempts: int
    attempt_history: list[AttemptOut] = Field(description="Every call made to the platform for it, oldest first.")

    @classmethod
    def of(cls, target: PostTarget) -> "TargetOut":
        return cls(
            id=target.pk,
            account_id=target.account_id,
            platform=target.platform,
            status=target.status,
            scheduled_at=target.scheduled_at,
            published_at=target.published_at,
            external_url=target.safe_external_url,
            error=target.error,
            options=effective_options(target.platform, target.options),
            attempts=target.attempts,
            attempt_history=[AttemptOut.of(attempt) for attempt in target.attempt_history.all()],
        )


CheckResult = Literal["published", "not_published", "unknown"]
CHECK_RESULTS: tuple[CheckResult, ...] = get_args(CheckResult)


class CheckOut(Schema):
    result: CheckResult = Field(
        description="published (it is there: published), not_published (it is not: failed, credit returned, "
        "retry allowed) or unknown (the platform cannot be asked or did not answer: still unconfirmed)."
    )
    target: TargetOut


class PostOut(Schema):
    id: int
    text: str
    link: str
    thread_parts: list[str] = Field(description=THREAD_HELP)
    first_comment: str = Field(description=COMMENT_HELP)
    status: str = Field(description="Derived from the targets; partially_published when some went out.")
    scheduled_at: datetime | None
    draft_reason: str
    automation_rule_id: int | None
    author_id: int | None = Field(description="The member who wrote it; none for a post an automation rule wrote.")
    created_at: datetime
    updated_at: datetime
    targets: list[TargetOut]
    utm: PostUtmOut

    @classmethod
    def of(cls, post: Post) -> "PostOut":
        targets = sorted(post.targets.all(), key=lambda t: t.pk)
        return cls(
            id=post.pk,
            text=post.text,
            link=post.link,
            thread_parts=list(post.thread_parts or []),
            first_comment=post.first_comment,
            status=post_status(t.status for t in targets),
            scheduled_at=post.scheduled_at,
            draft_reason=post.draft_reason,
            automation_rule_id=post.automation_rule_id,
            author_id=post.author_id,
            created_at=post.created_at,
            updated_at=post.updated_at,
            targets=[TargetOut.of(t) for t in targets],
            utm=PostUtmOut.of(post_choice(post)),
        )


class PostPage(Schema):
    items: list[PostOut]
    count: int
    limit: int
    offset: int


class TargetList(Schema):
    items: list[TargetOut]


class ChangedOut(Schema):
    post_id: int
    targets_changed: int
