"""Connected accounts: list, read, disconnect (connecting needs the platform's OAuth flow in the browser)."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Query, Router

from tidings.api import queries
from tidings.api.auth import actor_of, needs
from tidings.api.pagination import paginate
from tidings.api.schemas import ERRORS, MAX_ID
from tidings.api.schemas.accounts import AccountFilters, AccountOut, AccountPage
from tidings.platforms.services import disconnect_account, get_account

router = Router(tags=["accounts"])
AccountId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/accounts", response={200: AccountPage, **ERRORS}, auth=needs("accounts:read"))
def list_accounts(request: HttpRequest, filters: Query[AccountFilters]) -> dict[str, object]:
    accounts = queries.list_accounts(actor_of(request).workspace, platform=filters.platform, status=filters.status)
    return paginate(accounts, filters, AccountOut.of)


@router.get("/accounts/{account_id}", response={200: AccountOut, **ERRORS}, auth=needs("accounts:read"))
def get_account_detail(request: HttpRequest, account_id: AccountId) -> AccountOut:
    return AccountOut.of(get_account(actor_of(request).workspace, account_id))


@router.post("/accounts/{account_id}/disconnect", response={200: AccountOut, **ERRORS}, auth=needs("accounts:write"))
def disconnect(request: HttpRequest, account_id: AccountId) -> AccountOut:
    """Forget the account's tokens; its post history stays."""
    return AccountOut.of(disconnect_account(actor_of(request), account_id))
