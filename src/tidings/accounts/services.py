"""Creating users and changing their plan."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tidings.accounts.models import User, validate_time_zone
from tidings.core.errors import InvalidInput
from tidings.core.months import add_months
from tidings.credits.models import LedgerKind
from tidings.credits.services import lock_user, write_ledger
from tidings.tiers.plans import Limit, Tier, resolve_limits, validate_tier_limits


def create_user(
    username: str,
    *,
    password: str | None,
    email: str = "",
    tier: Tier = Tier.FREE,
    time_zone: str | None = None,
    tier_limits: dict[str, Any] | None = None,
    is_demo: bool = False,
) -> User:
    """A new user whose first credit cycle starts now, with the plan's monthly credits granted in the ledger."""
    now = timezone.now()
    fields: dict[str, Any] = {"tier": Tier(tier), "tier_limits": {}, "is_demo": is_demo}
    if time_zone:
        _check(validate_time_zone, time_zone, "time_zone")
        fields["time_zone"] = time_zone
    if tier_limits is not None:
        _check(validate_tier_limits, tier_limits, "tier_limits")
        fields["tier_limits"] = tier_limits
    with transaction.atomic():
        user = User.objects.create_user(
            username,
            email=email,
            password=password,
            credit_cycle_anchor=now,
            last_credit_reset=now,
            next_credit_reset=add_months(now, 1),
            **fields,
        )
        monthly = resolve_limits(user.tier, user.tier_limits)[Limit.MONTHLY_CREDITS] or 0
        if monthly:
            write_ledger(lock_user(user.pk), kind=LedgerKind.GRANT, amount=monthly, reason="First month's credits")
    user.refresh_from_db()
    return user


def change_tier(user: User, *, tier: Tier) -> User:
    """Switch plans. Limits apply at once; the new monthly credits arrive at the next renewal."""
    User.objects.filter(pk=user.pk).update(tier=Tier(tier))
    user.refresh_from_db()
    return user


def set_tier_limits(user: User, *, overrides: dict[str, Any]) -> User:
    _check(validate_tier_limits, overrides, "tier_limits")
    User.objects.filter(pk=user.pk).update(tier_limits=overrides)
    user.refresh_from_db()
    return user


def set_time_zone(user: User, *, time_zone: str) -> User:
    _check(validate_time_zone, time_zone, "time_zone")
    User.objects.filter(pk=user.pk).update(time_zone=time_zone)
    user.refresh_from_db()
    return user


def _check(validator: Any, value: Any, field: str) -> None:
    try:
        validator(value)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field=field) from None


def set_notification_preferences(user: User, *, email_types: list[str]) -> User:
    """Which notification types are also emailed to the user."""
    from tidings.notifications.models import NotificationType

    unknown = sorted(set(email_types) - set(NotificationType.values))
    if unknown:
        raise InvalidInput(f"Unknown notification types: {', '.join(unknown)}.", field="email_types")
    preferences = {**user.notification_preferences, "email": sorted(set(email_types))}
    User.objects.filter(pk=user.pk).update(notification_preferences=preferences)
    user.refresh_from_db()
    return user
