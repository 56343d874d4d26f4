"""The preview: every row of an import checked against every rule its post would meet, before anything exists.

Each row is checked as the composer's post would be (its accounts, its time and daylight saving, each platform's
rules, its media addresses), and the plan's limits are counted across the file: a row takes room in the queue, in
each platform's day and in the credits only once it passes, so the rows below see what the rows above will use, on
top of what the workspace already has. The same checks run again at commit, and the services check once more."""

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from tidings.accounts.timezones import local_to_utc
from tidings.bulk.accounts import AccountBook
from tidings.bulk.csvfile import Row
from tidings.bulk.slots import resolve_next_slot
from tidings.core.errors import DomainError, InvalidInput
from tidings.credits.selectors import available_credits
from tidings.http import address_problem
from tidings.platforms.base import Content
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.platforms.registry import connector_for
from tidings.platforms.rules import text_problems
from tidings.platforms.validation import validate_content
from tidings.posts.media import MAX_ITEMS
from tidings.posts.services import check_schedule_time
from tidings.tiers.checks import Decision, accounts_over_plan, can_plan_post, can_schedule, over_plan_reason
from tidings.usage.services import local_day
from tidings.workspaces.actors import Actor

NEXT_SLOT = "next slot"
TIME_FORMAT = "%Y-%m-%d %H:%M"
_web_address = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Verdict:
    """What a row would become, or why it cannot; `at` is UTC, None for a draft."""

    row: int
    text: str
    link: str = ""
    account_ids: tuple[int, ...] = ()
    accounts: str = ""
    at: datetime | None = None
    media_urls: tuple[str, ...] = ()
    alt_texts: tuple[str, ...] = ()
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


@dataclass
class Tally:
    """What the rows that passed so far will use: queue places, credits, posts per (platform, local day); and what
    the workspace uses already, read once per file (nothing changes while a file is checked)."""

    queue: int = 0
    credits: int = 0
    per_day: Counter[tuple[str, date]] = field(default_factory=Counter)
    slots: list[datetime] = field(default_factory=list)
    queue_now: Decision | None = None
    days_now: dict[tuple[str, date], Decision] = field(default_factory=dict)
    available_now: int | None = None


def _fits(now: Decision, adding: int) -> bool:
    """Whether `adding` more fits the limit a check found (with nothing added) at the start of the file."""
    return now.limit is None or now.used + adding <= now.limit


def check_rows(actor: Actor, rows: list[Row], *, only: Collection[int] | None = None) -> list[Verdict]:
    """A verdict for each row, in order. Rows outside `only` (row numbers) are left out of the counts and refused
    as not part of what was previewed."""
    book, tally = AccountBook(actor.workspace), Tally()
    over = accounts_over_plan(actor.workspace)
    verdicts = []
    for row in rows:
        if only is not None and row.number not in only:
            verdicts.append(Verdict(row.number, row.text, reason="Refused in the preview."))
            continue
        try:
            verdicts.append(_check(actor, row, book, tally, over))
        except DomainError as refusal:
            verdicts.append(Verdict(row.number, row.text, reason=refusal.message))
    return verdicts


def _check(actor: Actor, row: Row, book: AccountBook, tally: Tally, over: set[int]) -> Verdict:
    _check_link(row.link)
    _check_media(row)
    accounts = book.find_all(row.accounts)
    at = _when(actor, row, accounts, tally)
    for account in accounts:
        if at is not None and account.status != AccountStatus.ACTIVE:
            raise InvalidInput(f"Reconnect {account} before scheduling to it.", field="accounts")
        if at is not None and account.pk in over:
            raise InvalidInput(f"{account}: {over_plan_reason(actor.workspace, account.platform)}", field="accounts")
        problems = _content_problems(account, row)
        if problems:
            raise InvalidInput(f"{account}: {' '.join(problems)}", field="text")
    if at is not None:
        _count(actor, accounts, at, tally)
    return Verdict(
        row=row.number,
        text=row.text,
        link=row.link,
        account_ids=tuple(a.pk for a in accounts),
        accounts=", ".join(str(a) for a in accounts),
        at=at,
        media_urls=row.media_urls,
        alt_texts=row.alt_texts,
    )


def _check_link(link: str) -> None:
    if not link:
        return
    try:
        _web_address(link)
    except ValidationError:
        raise InvalidInput(f"The link {link} is not a web address (http:// or https://).", field="link") from None


def _check_media(row: Row) -> None:
    if len(row.media_urls) > MAX_ITEMS:
        raise InvalidInput(f"A post takes at most {MAX_ITEMS} files; the row has {len(row.media_urls)}.", field="media")
    if len(row.alt_texts) > len(row.media_urls):
        raise InvalidInput("The row has more alt texts than media addresses.", field="alt_texts")
    for url in row.media_urls:
        try:
            _web_address(url)
        except ValidationError:
            raise InvalidInput(f"The media address {url} is not a web address.", field="media") from None
        problem = address_problem(url)
        if problem:
            raise InvalidInput(f"The media address {url} is refused: {problem}", field="media")


def _when(actor: Actor, row: Row, accounts: list[SocialAccount], tally: Tally) -> datetime | None:
    """The row's time in UTC: its local time in the workspace's zone, the next slot, or None for a draft."""
    value = row.scheduled_at.strip()
    if not value:
        return None
    if value.lower() == NEXT_SLOT:
        at = resolve_next_slot(actor, accounts, after=timezone.now(), taken=tally.slots)
        tally.slots.append(at)
    else:
        try:
            wall = datetime.strptime(value, TIME_FORMAT)  # noqa: DTZ007 - a wall-clock time in the workspace's zone
        except ValueError:
            raise InvalidInput(
                f"{value!r} is not a time; write YYYY-MM-DD HH:MM in {actor.workspace.time_zone}, “{NEXT_SLOT}”, "
                "or leave it empty for a draft.",
                field="scheduled_at",
            ) from None
        at = local_to_utc(wall, actor.workspace.time_zone)
    check_schedule_time(at)
    return at


def _content_problems(account: SocialAccount, row: Row) -> list[str]:
    """The platform's rules for the row's text and link. With media the files are not known until they are fetched
    at commit, so only the text is checked here (the whole post is checked again when it is scheduled)."""
    connector = connector_for(account.platform)
    if connector is None:
        return [f"Publishing to {account.platform} is not available on this server."]
    if not row.media_urls:
        return validate_content(connector, account, Content(text=row.text, link=row.link))
    if not row.text.strip():
        return []
    return text_problems(account.platform, row.text, rules=connector.text_rules(account))


def _count(actor: Actor, accounts: list[SocialAccount], at: datetime, tally: Tally) -> None:
    """The row's share of the plan, on top of the workspace's own and the earlier rows'; refused when it does not
    fit, and only then left uncounted. A refusal asks the plan's own check again, for its words and next open day."""
    workspace = actor.workspace
    if tally.queue_now is None:
        tally.queue_now = can_schedule(workspace, adding=0)
    if not _fits(tally.queue_now, tally.queue + 1):
        refusal = can_schedule(workspace, adding=tally.queue + 1)
        raise InvalidInput(_with_file(refusal.reason, tally.queue), field="scheduled_at")
    day = local_day(workspace, at)
    per_platform = Counter(a.platform for a in accounts)
    for platform, adding in per_platform.items():
        earlier = tally.per_day[(platform, day)]
        if (platform, day) not in tally.days_now:
            tally.days_now[(platform, day)] = can_plan_post(workspace, platform=platform, at=at, adding=0)
        if not _fits(tally.days_now[(platform, day)], earlier + adding):
            refusal = can_plan_post(workspace, platform=platform, at=at, adding=earlier + adding)
            raise InvalidInput(_with_file(refusal.reason, earlier), field="scheduled_at")
    if tally.available_now is None:
        tally.available_now = available_credits(workspace)
    available = tally.available_now - tally.credits
    if available < len(accounts):
        raise InvalidInput(
            f"Not enough credits: {available} left after the rows above, {len(accounts)} needed.",
            field="scheduled_at",
        )
    tally.queue += 1
    tally.credits += len(accounts)
    for platform, adding in per_platform.items():
        tally.per_day[(platform, day)] += adding


def _with_file(reason: str, earlier: int) -> str:
    """A plan refusal, saying how much of the use comes from this file's rows above."""
    if not earlier:
        return reason
    return f"{reason} The rows above in this file add {earlier}."
