"""Creating users, confirming and changing their email, their profile and time zone, and changing their plan."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from tidings.accounts.models import NO_CYCLE_YET, User, validate_time_zone
from tidings.accounts.timezones import canonical_zone
from tidings.core.errors import Conflict, InvalidInput
from tidings.core.months import add_months
from tidings.credits.models import MONTHLY, Balance, LedgerKind
from tidings.credits.services import lock_user, write_ledger
from tidings.tiers.plans import Tier, resolve_limits, validate_tier_limits
from tidings.workspaces.services import create_personal_workspace

_CONFIRM_SALT = "tidings.accounts.confirm-email"
_CHANGE_SALT = "tidings.accounts.change-email"
EMAIL_TAKEN = "An account already uses this email address."


def normalize_email(email: str) -> str:
    """One spelling per address, so the same mailbox cannot sign up twice in another case."""
    return email.strip().lower()


def email_in_use(email: str) -> bool:
    email = normalize_email(email)
    return bool(email) and User.objects.annotate(lower=Lower("email")).filter(lower=email).exists()


def create_user(
    username: str,
    *,
    password: str | None,
    email: str = "",
    tier: Tier = Tier.FREE,
    time_zone: str | None = None,
    tier_limits: dict[str, Any] | None = None,
    is_demo: bool = False,
    email_confirmed: bool = True,
) -> User:
    """A new user whose first credit cycle starts now, with the plan's monthly credits granted in the ledger.

    With `email_confirmed=False` (self sign-up that must prove the address) the user gets no cycle and no credits
    until `confirm_email`."""
    email = normalize_email(email)
    if email_in_use(email):
        raise InvalidInput(EMAIL_TAKEN, field="email")
    now = timezone.now()
    fields: dict[str, Any] = {"tier": Tier(tier), "tier_limits": {}, "is_demo": is_demo}
    if time_zone:
        time_zone = canonical_zone(time_zone) or time_zone
        _check(validate_time_zone, time_zone, "time_zone")
        fields["time_zone"] = time_zone
    if tier_limits is not None:
        _check(validate_tier_limits, tier_limits, "tier_limits")
        fields["tier_limits"] = tier_limits
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username,
                email=email,
                password=password,
                credit_cycle_anchor=now,
                last_credit_reset=now,
                next_credit_reset=add_months(now, 1) if email_confirmed else NO_CYCLE_YET,
                **fields,
            )
            create_personal_workspace(user)
            if email_confirmed:
                _grant_first_credits(lock_user(user.pk))
    except IntegrityError:
        # A concurrent sign-up took the address between the check and the insert; the constraint refused it.
        if email_in_use(email):
            raise InvalidInput(EMAIL_TAKEN, field="email") from None
        raise
    user.refresh_from_db()
    return user


def _grant_first_credits(user: User) -> None:
    """The first month of both balances, on the ledger."""
    limits = resolve_limits(user.tier, user.tier_limits)
    for balance in Balance:
        monthly = limits[MONTHLY[balance]] or 0
        if monthly:
            write_ledger(
                user,
                kind=LedgerKind.GRANT,
                amount=monthly,
                balance=balance,
                reason=f"First month's {balance.label.lower()}",
            )


def awaiting_confirmation(user: User) -> bool:
    return user.awaiting_email_confirmation


def confirmation_token(user: User) -> str:
    """A signed token naming the user and the address; it expires after TIDINGS_EMAIL_CONFIRMATION_MAX_AGE."""
    return signing.dumps({"user": user.pk, "email": user.email}, salt=_CONFIRM_SALT, compress=True)


def send_confirmation(user: User, *, link: Callable[[str], str]) -> None:
    """Email the confirmation link (`link` turns a token into an absolute URL). With the console backend the
    message, link included, is printed in the server's log."""
    send_mail(
        "Tidings: confirm your email address",
        f"Hello {user.username},\n\nConfirm your email address to receive your plan's credits:\n"
        f"{link(confirmation_token(user))}\n\nIf you did not sign up for Tidings, ignore this email.",
        None,
        [user.email],
    )


def confirm_email(token: str) -> User:
    """Start the first credit cycle of the user the token names and grant the plan's credits, once: under the
    user's row lock, a token for an address already confirmed (or since changed) is refused and grants nothing."""
    try:
        data = signing.loads(token, salt=_CONFIRM_SALT, max_age=settings.TIDINGS_EMAIL_CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput("This confirmation link has expired. Log in and send a new one.") from None
    except signing.BadSignature:
        raise InvalidInput("This confirmation link is not valid. Copy the whole link from the email.") from None
    now = timezone.now()
    with transaction.atomic():
        try:
            user = lock_user(data["user"])
        except User.DoesNotExist:
            user = None
        if user is None or user.email != data["email"]:
            raise InvalidInput("This confirmation link is not valid. Copy the whole link from the email.")
        if not awaiting_confirmation(user):
            raise Conflict("This email address is confirmed already; the link has been used.")
        User.objects.filter(pk=user.pk).update(
            credit_cycle_anchor=now, last_credit_reset=now, next_credit_reset=add_months(now, 1)
        )
        _grant_first_credits(user)
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
    """The zone every day and time of the user's is read in; choosing one also settles the checklist's step.
    A browser's old name for a zone (Asia/Calcutta) is stored under its current one."""
    time_zone = canonical_zone(time_zone) or time_zone
    _check(validate_time_zone, time_zone, "time_zone")
    User.objects.filter(pk=user.pk).update(time_zone=time_zone, time_zone_confirmed_at=timezone.now())
    user.refresh_from_db()
    return user


def dismiss_onboarding(user: User) -> User:
    """Put the first-run checklist away for good (its steps stay where they are)."""
    User.objects.filter(pk=user.pk, onboarding_dismissed_at__isnull=True).update(onboarding_dismissed_at=timezone.now())
    user.refresh_from_db()
    return user


def set_profile(user: User, *, first_name: str, last_name: str) -> User:
    first_name, last_name = first_name.strip(), last_name.strip()
    if len(first_name) > 150 or len(last_name) > 150:
        raise InvalidInput("A name can be at most 150 characters.", field="first_name")
    User.objects.filter(pk=user.pk).update(first_name=first_name, last_name=last_name)
    user.refresh_from_db()
    return user


def request_email_change(user: User, *, new_email: str, link: Callable[[str], str]) -> str:
    """Send a confirmation link to `new_email`; the address changes only when it is followed (`confirm_email_change`),
    so an account never moves to a mailbox its owner cannot read. Returns the normalised address."""
    email = normalize_email(new_email)
    _check(validate_email, email, "email")
    if email == normalize_email(user.email):
        raise InvalidInput("That is the address the account uses already.", field="email")
    if email_in_use(email):
        raise InvalidInput(EMAIL_TAKEN, field="email")
    token = signing.dumps({"user": user.pk, "from": user.email, "to": email}, salt=_CHANGE_SALT, compress=True)
    send_mail(
        "Tidings: confirm your new email address",
        f"Hello {user.username},\n\nFollow this link to use {email} for your Tidings account:\n{link(token)}\n\n"
        "If you did not ask for this, ignore this email; your account keeps its current address.",
        None,
        [email],
    )
    return email


def confirm_email_change(token: str) -> User:
    """Move the account to the address the token names, once, if it still uses the address the link was sent
    from and no other account took the new one meanwhile. An account still waiting to confirm its sign-up address
    has now proven one: its first credit cycle starts as `confirm_email` would start it."""
    try:
        data = signing.loads(token, salt=_CHANGE_SALT, max_age=settings.TIDINGS_EMAIL_CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput("This link has expired. Ask for the change again in Settings.") from None
    except signing.BadSignature:
        raise InvalidInput("This link is not valid. Copy the whole link from the email.") from None
    now = timezone.now()
    try:
        with transaction.atomic():
            try:
                user = lock_user(data["user"])
            except User.DoesNotExist:
                raise InvalidInput("This link is not valid. Copy the whole link from the email.") from None
            if normalize_email(user.email) == data["to"]:
                raise Conflict("This address is in use on your account already; the link has been used.")
            if user.email != data["from"]:
                raise Conflict("The account's address changed since this link was sent. Ask for the change again.")
            if email_in_use(data["to"]):
                raise Conflict(EMAIL_TAKEN)
            fields: dict[str, Any] = {"email": data["to"]}
            starts_cycle = awaiting_confirmation(user)
            if starts_cycle:
                fields |= {"credit_cycle_anchor": now, "last_credit_reset": now}
                fields["next_credit_reset"] = add_months(now, 1)
            User.objects.filter(pk=user.pk).update(**fields)
            if starts_cycle:
                _grant_first_credits(user)
    except IntegrityError:
        raise Conflict(EMAIL_TAKEN) from None
    if data["from"]:
        send_mail(
            "Tidings: your email address was changed",
            f"Hello {user.username},\n\nYour Tidings account now uses {data['to']} instead of this address. "
            "If you did not do this, reset your password and contact the people who run this Tidings.",
            None,
            [data["from"]],
        )
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
