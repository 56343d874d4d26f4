from datetime import datetime
from typing import Any

from ninja import Field, Schema

from tidings.api.schemas import NO_NUL, Id, Input
from tidings.api.schemas.generation import BriefFields
from tidings.automation.models import AutomationRule


class RuleIn(Input):
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    schedule: str = Field(
        max_length=100, pattern=NO_NUL, description="Five cron fields in your time zone, e.g. 0 9 * * 1-5."
    )
    brief: BriefFields
    account_ids: list[Id] = Field(min_length=1, max_length=100)
    enabled: bool = Field(False, description="Enabled rules count against the plan's limit.")


class RuleOut(Schema):
    id: int
    name: str
    enabled: bool
    schedule: str
    brief: dict[str, Any]
    account_ids: list[int]
    last_run_at: datetime | None
    next_run_at: datetime | None
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
            last_run_at=rule.last_run_at,
            next_run_at=rule.next_run_at,
            created_at=rule.created_at,
            updated_at=rule.updated_at,
        )


class RulePage(Schema):
    items: list[RuleOut]
    count: int
    limit: int
    offset: int
