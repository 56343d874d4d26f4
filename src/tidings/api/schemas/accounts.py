from datetime import datetime

from ninja import Schema

from tidings.api.schemas import PageQuery
from tidings.platforms.models import AccountStatus, Platform, SocialAccount


class AccountFilters(PageQuery):
    platform: Platform | None = None
    status: AccountStatus | None = None


class AccountOut(Schema):
    """A connected account. Its tokens never leave the server."""

    id: int
    platform: str
    handle: str
    display_name: str
    status: str
    status_reason: str
    created_at: datetime

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
        )


class AccountPage(Schema):
    items: list[AccountOut]
    count: int
    limit: int
    offset: int
