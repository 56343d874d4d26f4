from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tidings.api.models import ApiToken
from tidings.api.services import revoke_token


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners; staff can see and revoke them. Only a hash of the secret is stored."""

    list_display = (
        "name",
        "user",
        "workspace",
        "prefix",
        "parent",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username", "workspace__name")
    list_select_related = ("user", "workspace")
    exclude = ("secret_hash",)
    readonly_fields = (
        "user",
        "workspace",
        "name",
        "prefix",
        "parent",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.select_related("user"):
            revoke_token(token.user, token.pk)
        messages.success(request, f"Revoked {queryset.count()} token(s).")
