from datetime import UTC, datetime
from functools import cache
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from tidings.core.months import add_months


def validate_time_zone(name: str) -> None:
    if name not in _time_zones():
        raise ValidationError(f"{name!r} is not a known IANA time zone (for example Europe/Berlin).")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def default_time_zone() -> str:
    return str(settings.TIDINGS_DEFAULT_USER_TIME_ZONE)


def one_month_from_now() -> datetime:
    return add_months(timezone.now(), 1)


_one_month_from_now = one_month_from_now  # the name accounts' first migration refers to


# The credit cycle of a user who has not confirmed their email yet: it never comes due, so the renewal scan (on
# next_credit_reset) passes them by and no credits arrive until the confirmation starts a real cycle.
NO_CYCLE_YET = datetime(9999, 1, 1, tzinfo=UTC)


class User(AbstractUser):
    """A person. What they plan and what it costs belong to the workspaces they are members of."""

    is_demo = models.BooleanField(default=False, help_text="A demonstration account, listed on the home page.")
    # {"email": [notification types also sent by email]}; every notification is shown in the app regardless.
    notification_preferences = models.JSONField(default=dict, blank=True)
    # First-run checklist: when the user confirmed their time zone (detected from the browser or chosen), and when
    # they put the checklist away.
    time_zone_confirmed_at = models.DateTimeField(null=True, blank=True)
    onboarding_dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One account per mailbox, whatever the case; users without an email (staff-made, demo) are exempt.
            models.UniqueConstraint(Lower("email"), condition=~models.Q(email=""), name="user_email_unique_ci"),
        ]
