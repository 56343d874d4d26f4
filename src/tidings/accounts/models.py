from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from tidings.core.months import add_months
from tidings.tiers.plans import Limits, Tier, resolve_limits, validate_tier_limits


def validate_time_zone(name: str) -> None:
    if name not in _time_zones():
        raise ValidationError(f"{name!r} is not a known IANA time zone (for example Europe/Berlin).")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def default_time_zone() -> str:
    return str(settings.TIDINGS_DEFAULT_USER_TIME_ZONE)


def _one_month_from_now() -> datetime:
    return add_months(timezone.now(), 1)


# The credit cycle of a user who has not confirmed their email yet: it never comes due, so the renewal scan (on
# next_credit_reset) passes them by and no credits arrive until the confirmation starts a real cycle.
NO_CYCLE_YET = datetime(9999, 1, 1, tzinfo=UTC)


class User(AbstractUser):
    """A person with a plan. `credits` is the balance; the ledger in `credits` is its history."""

    tier = models.CharField(max_length=16, choices=[(t.value, t.name.title()) for t in Tier], default=Tier.FREE)
    time_zone = models.CharField(max_length=64, default=default_time_zone, validators=[validate_time_zone])
    credits = models.IntegerField(default=0)
    # The second balance: a post whose media includes a video spends one of these instead of a credit.
    video_credits = models.IntegerField(default=0)
    # The cycle repeats monthly from the anchor; last_credit_reset is the start of the current cycle.
    credit_cycle_anchor = models.DateTimeField(default=timezone.now)
    last_credit_reset = models.DateTimeField(default=timezone.now)
    next_credit_reset = models.DateTimeField(default=_one_month_from_now, db_index=True)
    tier_limits = models.JSONField(default=dict, blank=True, validators=[validate_tier_limits])
    is_demo = models.BooleanField(default=False, help_text="A demonstration account, listed on the home page.")
    # {"email": [notification types also sent by email]}; every notification is shown in the app regardless.
    notification_preferences = models.JSONField(default=dict, blank=True)
    # The start of the cycle whose low-credit alert has been sent: the alert goes once per cycle, so the publish
    # path reads this off the row it already locks instead of looking the notification up on every post.
    low_credits_alerted_cycle = models.DateTimeField(null=True, blank=True, editable=False)
    low_video_credits_alerted_cycle = models.DateTimeField(null=True, blank=True, editable=False)
    # First-run checklist: when the user confirmed their time zone (detected from the browser or chosen), and when
    # they put the checklist away.
    time_zone_confirmed_at = models.DateTimeField(null=True, blank=True)
    onboarding_dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(credits__gte=0), name="user_credits_not_negative"),
            models.CheckConstraint(condition=models.Q(video_credits__gte=0), name="user_video_credits_not_negative"),
            # One account per mailbox, whatever the case; users without an email (staff-made, demo) are exempt.
            models.UniqueConstraint(Lower("email"), condition=~models.Q(email=""), name="user_email_unique_ci"),
        ]

    @property
    def limits(self) -> Limits:
        return resolve_limits(self.tier, self.tier_limits)

    @property
    def awaiting_email_confirmation(self) -> bool:
        """Signed up but not confirmed: no credit cycle has started, so there is no renewal date to show."""
        return self.next_credit_reset >= NO_CYCLE_YET

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)
