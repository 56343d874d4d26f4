"""A workspace's plan, its per-workspace limit overrides and the zone of its days: staff set the first two (the
admin, the CLI), the workspace's admins the zone."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from tidings.accounts.models import User, validate_time_zone
from tidings.accounts.timezones import canonical_zone
from tidings.core.errors import InvalidInput
from tidings.tiers.plans import Tier, validate_tier_limits
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action


def _check(validator: Any, value: Any, field: str) -> None:
    try:
        validator(value)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field=field) from None


def change_tier(workspace: Workspace, *, tier: Tier) -> Workspace:
    """Switch plans. Limits apply at once; the new monthly credits arrive at the next renewal."""
    Workspace.objects.filter(pk=workspace.pk).update(tier=Tier(tier))
    workspace.refresh_from_db()
    return workspace


def set_tier_limits(workspace: Workspace, *, overrides: dict[str, Any]) -> Workspace:
    _check(validate_tier_limits, overrides, "tier_limits")
    Workspace.objects.filter(pk=workspace.pk).update(tier_limits=overrides)
    workspace.refresh_from_db()
    return workspace


def set_time_zone(actor: Actor, *, time_zone: str) -> Workspace:
    """The zone every day and time of the workspace is read in; choosing one also settles the chooser's checklist
    step. A browser's old name for a zone (Asia/Calcutta) is stored under its current one."""
    actor.require(Action.SETTINGS)
    time_zone = canonical_zone(time_zone) or time_zone
    _check(validate_time_zone, time_zone, "time_zone")
    workspace = actor.workspace
    Workspace.objects.filter(pk=workspace.pk).update(time_zone=time_zone)
    if actor.user is not None:
        User.objects.filter(pk=actor.user.pk).update(time_zone_confirmed_at=timezone.now())
        actor.user.refresh_from_db()
    workspace.refresh_from_db()
    return workspace
