from datetime import datetime

from ninja import Schema

from tidings.api.schemas import PageQuery
from tidings.api.schemas.tagging import AccountUtmOut
from tidings.platforms.boards import account_boards
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.tagging.selectors import account_tagging


class AccountFilters(PageQuery):
    platform: Platform | None = None
    status: AccountStatus | None = None


class BoardOut(Schema):
    id: str
    name: str


class AccountOut(Schema):
    """A connected account. Its tokens never leave the server."""

    id: int
    platform: str
    handle: str
    display_name: str
    status: str
    status_reason: str
    created_at: datetime
    # What it posts as where one sign-in offers several: member, organization, page, professional, channel.
    kind: str = ""
    # A Pinterest account's boards, and the default board its Pins go to unless a post names its own.
    boards: list[BoardOut] = []
    board_id: str = ""
    # The UTM tags added to its posts' links when they go out (PUT /accounts/{id}/utm).
    utm: AccountUtmOut

    @classmethod
    def of(cls, account: SocialAccount) -> "AccountOut":
        return cls(
            id=account.pk,
            platform=account.platform,
            handle=account.handle,
            display_name=account.display_name,
            status=account.status,
            status_reason=account.status_reason,
            created_at=account.created_at,
            kind=str(account.options.get("kind") or ""),
            boards=[BoardOut(id=str(b["id"]), name=str(b.get("name") or "")) for b in account_boards(account)],
            board_id=str(account.options.get("board_id") or ""),
            utm=AccountUtmOut.of(account_tagging(account)),
        )


class AccountPage(Schema):
    items: list[AccountOut]
    count: int
    limit: int
    offset: int
