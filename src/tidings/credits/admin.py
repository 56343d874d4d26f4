"""The ledger and reservations, read-only: the ledger is append-only, and reservations move only by services.
Staff change a balance with the "Adjust credits" action on users."""

from django.contrib import admin
from django.http import HttpRequest

from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.ops.adminkit import ReadOnlyAdmin


@admin.register(CreditLedgerEntry)
class CreditLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "workspace", "kind", "balance", "amount", "balance_after", "reason", "created_at")
    list_filter = ("kind", "balance", "created_at")
    search_fields = ("workspace__name", "reason")
    list_select_related = ("workspace",)
    date_hierarchy = "created_at"
    raw_id_fields = ("workspace", "reservation")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CreditReservation)
class CreditReservationAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "workspace",
        "target",
        "balance",
        "amount",
        "status",
        "cycle_start",
        "created_at",
        "settled_at",
    )
    list_filter = ("status", "balance", "created_at")
    search_fields = ("workspace__name", "reason")
    list_select_related = ("workspace", "target")
    raw_id_fields = ("workspace", "target")
