"""An account's link tagging: the UTM tags added to every http(s) link of its posts when they go out. A post's own
choice (`utm` on the post) can override it or switch it off."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Router

from tidings.api.auth import actor_of, needs
from tidings.api.schemas import ERRORS, MAX_ID
from tidings.api.schemas.accounts import AccountOut
from tidings.api.schemas.tagging import AccountUtmIn
from tidings.platforms.services import get_account
from tidings.tagging.services import set_account_tagging

router = Router(tags=["accounts"])
AccountId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.put("/accounts/{account_id}/utm", response={200: AccountOut, **ERRORS}, auth=needs("accounts:write"))
def set_account_utm(request: HttpRequest, account_id: AccountId, payload: AccountUtmIn) -> AccountOut:
    """Turn link tagging on or off for the account, with its values; posts already scheduled go out with the values
    as they are when they publish."""
    actor = actor_of(request)
    set_account_tagging(actor, account_id, enabled=payload.enabled, values=payload.values())
    return AccountOut.of(get_account(actor.workspace, account_id))
