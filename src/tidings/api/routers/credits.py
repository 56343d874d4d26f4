"""The workspace's credits (balance, reservations, ledger) and daily usage."""

from django.http import HttpRequest
from ninja import Query, Router

from tidings.api import queries, summaries
from tidings.api.auth import actor_of, needs
from tidings.api.pagination import paginate
from tidings.api.schemas import ERRORS
from tidings.api.schemas.credits import (
    CreditsOut,
    LedgerFilters,
    LedgerOut,
    LedgerPage,
    ReservationFilters,
    ReservationOut,
    ReservationPage,
    UsageOut,
    UsageQuery,
)

router = Router(tags=["credits"])
AUTH = needs("credits:read")


@router.get("/credits", response={200: CreditsOut, **ERRORS}, auth=AUTH)
def get_credits(request: HttpRequest) -> dict[str, object]:
    return summaries.credit_summary(actor_of(request).workspace)


@router.get("/credits/reservations", response={200: ReservationPage, **ERRORS}, auth=AUTH)
def list_reservations(request: HttpRequest, filters: Query[ReservationFilters]) -> dict[str, object]:
    reservations = queries.list_reservations(
        actor_of(request).workspace, status=filters.status, balance=filters.balance
    )
    return paginate(reservations, filters, ReservationOut.of)


@router.get("/credits/ledger", response={200: LedgerPage, **ERRORS}, auth=AUTH)
def list_ledger(request: HttpRequest, filters: Query[LedgerFilters]) -> dict[str, object]:
    """Every change of the balances (or of one, with `balance`), newest first."""
    return paginate(queries.list_ledger(actor_of(request).workspace, balance=filters.balance), filters, LedgerOut.of)


@router.get("/usage", response={200: UsageOut, **ERRORS}, auth=AUTH)
def get_usage(request: HttpRequest, query: Query[UsageQuery]) -> dict[str, object]:
    return summaries.usage_summary(actor_of(request).workspace, query.day)
