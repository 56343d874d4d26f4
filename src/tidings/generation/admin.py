from django.contrib import admin

from tidings.generation.models import AIProviderConfig, GenerationLog
from tidings.ops.adminkit import ReadOnlyAdmin, secret_state


@admin.register(GenerationLog)
class GenerationLogAdmin(ReadOnlyAdmin):
    list_display = ("id", "workspace", "provider", "model", "action", "platform", "outcome", "latency_ms", "created_at")
    list_filter = ("provider", "outcome", "action", "created_at")
    search_fields = ("workspace__name", "model", "error")
    list_select_related = ("workspace",)
    date_hierarchy = "created_at"


@admin.register(AIProviderConfig)
class AIProviderConfigAdmin(ReadOnlyAdmin):
    """A workspace's own provider; the key is never shown."""

    list_display = ("workspace", "kind", "model", "base_url", "api_key_state", "updated_at")
    list_filter = ("kind",)
    search_fields = ("workspace__name", "model", "base_url")
    list_select_related = ("workspace",)
    exclude = ("api_key",)
    readonly_fields = ("api_key_state",)

    @admin.display(description="API key")
    def api_key_state(self, config: AIProviderConfig) -> str:
        return secret_state(config.api_key)
