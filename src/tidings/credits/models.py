from typing import Any, NoReturn

from django.db import models

from tidings.tiers.plans import Limit


class Balance(models.TextChoices):
    """The two allowances on one ledger: a credit pays for a post, a video credit for a post whose media includes a
    video (what costs a platform and an operator most). Each value is also the name of the workspace's balance field."""

    CREDITS = "credits", "Credits"
    VIDEO_CREDITS = "video_credits", "Video credits"


# Each balance's plan limits: its monthly amount and its carryover cap at renewal.
MONTHLY = {Balance.CREDITS: Limit.MONTHLY_CREDITS, Balance.VIDEO_CREDITS: Limit.MONTHLY_VIDEO_CREDITS}
CARRYOVER = {Balance.CREDITS: Limit.CARRYOVER_CAP, Balance.VIDEO_CREDITS: Limit.VIDEO_CARRYOVER_CAP}


def balance_label(balance: str, amount: int = 2) -> str:
    """ "credit", "credits", "video credit", "video credits": how a message names an amount of a balance."""
    noun = "video credit" if balance == Balance.VIDEO_CREDITS else "credit"
    return noun if amount == 1 else f"{noun}s"


class ReservationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONSUMED = "consumed", "Consumed"
    RELEASED = "released", "Released"


class CreditReservation(models.Model):
    """One credit (or more) held for a post target between scheduling and publishing.

    It moves once, from pending to consumed or released, by a conditional update, so a second attempt is a no-op.
    """

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="reservations")
    target = models.ForeignKey(
        "posts.PostTarget", on_delete=models.SET_NULL, null=True, blank=True, related_name="reservations"
    )
    amount = models.PositiveIntegerField(default=1)
    balance = models.CharField(max_length=16, choices=Balance.choices, default=Balance.CREDITS)
    status = models.CharField(max_length=16, choices=ReservationStatus.choices, default=ReservationStatus.PENDING)
    # The credit cycle the reservation was paid from; releasing it after a renewal expires it instead.
    cycle_start = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "status"], name="reservation_ws_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["target"],
                condition=models.Q(status="pending", target__isnull=False),
                name="one_pending_reservation_per_target",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="reservation_amount_positive"),
            # A pending credit always has its post target: deleting a target that still holds one fails loudly
            # instead of leaving a credit held for nothing.
            models.CheckConstraint(
                condition=~models.Q(status="pending") | models.Q(target__isnull=False),
                name="pending_reservation_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} credit(s) {self.status} for workspace {self.workspace_id}"


class LedgerKind(models.TextChoices):
    GRANT = "grant", "Grant"
    RENEWAL = "renewal", "Monthly renewal"
    CONSUME = "consume", "Consumed by a published post"
    EXPIRE = "expire", "Expired"
    ADJUST = "adjust", "Adjustment"


class AppendOnlyQuerySet(models.QuerySet["CreditLedgerEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("The credit ledger is append-only.")

    def delete(self) -> NoReturn:
        raise TypeError("The credit ledger is append-only.")


class CreditLedgerEntry(models.Model):
    """Every change of one of a workspace's balances, signed; each balance is the sum of its rows."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="ledger")
    kind = models.CharField(max_length=16, choices=LedgerKind.choices)
    balance = models.CharField(max_length=16, choices=Balance.choices, default=Balance.CREDITS)
    amount = models.IntegerField()
    balance_after = models.IntegerField()
    reservation = models.ForeignKey(
        CreditReservation, on_delete=models.SET_NULL, null=True, blank=True, related_name="ledger_entries"
    )
    cycle_start = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "credit ledger entries"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "cycle_start", "balance"],
                condition=models.Q(kind="renewal"),
                name="one_renewal_per_cycle_and_balance",
            ),
            models.UniqueConstraint(
                fields=["reservation", "kind"],
                condition=models.Q(reservation__isnull=False),
                name="one_entry_per_reservation_and_kind",
            ),
            models.CheckConstraint(condition=models.Q(balance_after__gte=0), name="ledger_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} -> {self.balance_after}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The credit ledger is append-only.")
        super().save(*args, **kwargs)
