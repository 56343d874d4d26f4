from datetime import date, datetime

from ninja import Field, Schema

from tidings.api.schemas import PageQuery
from tidings.credits.models import Balance, CreditLedgerEntry, CreditReservation, ReservationStatus


class BalanceOut(Schema):
    balance: Balance = Field(description="credits, or video_credits (spent instead of a credit by a post with video)")
    label: str
    amount: int
    reserved: int = Field(description="Held by scheduled posts.")
    available: int = Field(description="amount - reserved")
    used_this_cycle: int
    monthly: int | None
    carryover_cap: int | None


class CreditsOut(Schema):
    balance: int = Field(description="The credits; video credits are in `balances`.")
    reserved: int = Field(description="Held by scheduled posts.")
    available: int = Field(description="balance - reserved")
    monthly_credits: int | None
    carryover_cap: int | None
    balances: list[BalanceOut]
    cycle_started_at: datetime
    next_renewal_at: datetime | None


class ReservationFilters(PageQuery):
    status: ReservationStatus | None = None
    balance: Balance | None = None


class LedgerFilters(PageQuery):
    balance: Balance | None = Field(None, description="Only the rows of one balance.")


class ReservationOut(Schema):
    id: int
    target_id: int | None
    amount: int
    balance: str
    status: str
    reason: str
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def of(cls, row: CreditReservation) -> "ReservationOut":
        return cls(
            id=row.pk,
            target_id=row.target_id,
            amount=row.amount,
            balance=row.balance,
            status=row.status,
            reason=row.reason,
            created_at=row.created_at,
            settled_at=row.settled_at,
        )


class ReservationPage(Schema):
    items: list[ReservationOut]
    count: int
    limit: int
    offset: int


class LedgerOut(Schema):
    id: int
    kind: str
    balance: str = Field(description="Which balance the row moves: credits or video_credits.")
    amount: int
    balance_after: int
    reservation_id: int | None
    reason: str
    created_at: datetime

    @classmethod
    def of(cls, row: CreditLedgerEntry) -> "LedgerOut":
        return cls(
            id=row.pk,
            kind=row.kind,
            balance=row.balance,
            amount=row.amount,
            balance_after=row.balance_after,
            reservation_id=row.reservation_id,
            reason=row.reason,
            created_at=row.created_at,
        )


class LedgerPage(Schema):
    items: list[LedgerOut]
    count: int
    limit: int
    offset: int


class UsageQuery(Schema):
    day: date | None = Field(None, description="A day in the workspace's time zone; today when omitted.")


class UsageOut(Schema):
    day: date
    time_zone: str
    generations: int
    posts: dict[str, int] = Field(description="Published posts per platform.")


class LimitUse(Schema):
    name: str
    limit: int | None = Field(description="null: unlimited.")
    used: int
    platform: str | None


class PlanOut(Schema):
    tier: str
    tier_name: str
    limits: dict[str, int | None]
    usage: list[LimitUse]
