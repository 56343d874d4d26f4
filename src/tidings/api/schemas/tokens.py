from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from tidings.api.models import ApiToken
from tidings.api.schemas import NO_NUL, Id, Input
from tidings.api.scopes import Scope
from tidings.api.times import IsoTime

EventName = Literal[
    "post/scheduled.process",
    "automation/rule.execute",
    "credits/check.expiry",
    "credits/reset.monthly",
    "credits/check.low",
    "webhooks/delivery.send",
]


class TokenCreateIn(Input):
    name: str = Field(min_length=1, max_length=100, pattern=NO_NUL)
    scopes: list[Scope] = Field(min_length=1, max_length=20, description="At most the scopes of this token.")
    expires_at: IsoTime | None = Field(
        None, description="ISO 8601; without an offset, in the workspace's time zone. At most this token's expiry."
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The public part of the token, to recognise it.")
    scopes: list[str]
    workspace_id: int = Field(description="The workspace the token acts in.")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    parent_id: int | None = Field(description="The token that minted this one; none when made in settings or the CLI.")

    @classmethod
    def of(cls, row: ApiToken, **extra: Any) -> Any:
        return cls(
            id=row.pk,
            name=row.name,
            prefix=row.prefix,
            scopes=list(row.scopes),
            workspace_id=row.workspace_id,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            parent_id=row.parent_id,
            **extra,
        )


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret. Shown this once; only its hash is stored.")


class TokenPage(Schema):
    items: list[TokenOut]
    count: int
    limit: int
    offset: int


class EventData(Input):
    """What each event needs: target_id for post/scheduled.process, rule_id for automation/rule.execute,
    workspace_id for credits/check.low; nothing for the others."""

    target_id: Id | None = None
    rule_id: Id | None = None
    workspace_id: Id | None = None


class EventIn(Input):
    name: EventName
    data: EventData = Field(default_factory=EventData)


class EventOut(Schema):
    workflow_id: str
