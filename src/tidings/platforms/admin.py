"""Connected accounts. Tokens never appear here: the form leaves them out and the list says only set or empty."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tidings.ops.adminkit import ReadOnlyAdmin, run_each, secret_state
from tidings.platforms.models import SocialAccount
from tidings.platforms.services import disconnect_account, mark_reconnect_needed
from tidings.workspaces.actors import Actor


@admin.register(SocialAccount)
class SocialAccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "workspace", "platform", "handle", "status", "access_token_state", "token_expires_at")
    list_filter = ("platform", "status")
    search_fields = ("handle", "display_name", "external_id", "workspace__name")
    list_select_related = ("workspace",)
    exclude = ("access_token", "refresh_token")
    readonly_fields = ("access_token_state", "refresh_token_state")
    raw_id_fields = ("workspace",)
    actions = ("mark_reconnect_action", "disconnect_action")

    @admin.display(description="access token")
    def access_token_state(self, account: SocialAccount) -> str:
        return secret_state(account.access_token)

    @admin.display(description="refresh token")
    def refresh_token_state(self, account: SocialAccount) -> str:
        return secret_state(account.refresh_token)

    @admin.action(description="Mark as needing reconnect", permissions=["change"])
    def mark_reconnect_action(self, request: HttpRequest, queryset: QuerySet[SocialAccount]) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda account: (
                "marked."
                if mark_reconnect_needed(account.pk, reason="Marked by staff: reconnect this account.")
                else "was not active; unchanged."
            ),
        )

    @admin.action(description="Disconnect (forget the tokens)", permissions=["change"])
    def disconnect_action(self, request: HttpRequest, queryset: QuerySet[SocialAccount]) -> None:
        run_each(
            self,
            request,
            queryset.select_related("workspace"),
            lambda account: f"{disconnect_account(Actor.system(account.workspace), account.pk).get_status_display()}.",
        )
