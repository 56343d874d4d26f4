from django.db import models

from tidings.core.encryption import EncryptedTextField


class GenerationOutcome(models.TextChoices):
    OK = "ok", "OK"
    ERROR = "error", "Error"
    REFUSED = "refused", "Refused by a limit"


class GenerationLog(models.Model):
    """One call to a language model: who, which provider and model, cost in tokens, time taken, how it ended."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="generation_logs")
    provider = models.CharField(max_length=64)
    model = models.CharField(max_length=200)
    action = models.CharField(max_length=32, default="generate", help_text="generate, rewrite, shorten, ...")
    platform = models.CharField(max_length=32, blank=True, default="")
    prompt_version = models.CharField(max_length=32, blank=True, default="")
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16, choices=GenerationOutcome.choices)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "created_at"], name="generation_ws_created_idx"),
            # Calls in a recent window across all users (the /metrics scrape).
            models.Index(fields=["created_at"], name="generation_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}/{self.model} {self.outcome}"


class ProviderKind(models.TextChoices):
    OPENAI = "openai", "OpenAI-compatible (OpenAI, Ollama, vLLM, OpenRouter, LM Studio, ...)"
    ANTHROPIC = "anthropic", "Anthropic"


class AIProviderConfig(models.Model):
    """A workspace's own language model provider; it wins over the site-wide one. The key is encrypted at rest."""

    workspace = models.OneToOneField("workspaces.Workspace", on_delete=models.CASCADE, related_name="ai_provider")
    kind = models.CharField(max_length=16, choices=ProviderKind.choices)
    base_url = models.URLField(blank=True, default="", help_text="Blank for the vendor's own API.")
    model = models.CharField(max_length=200)
    api_key = EncryptedTextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind}/{self.model}"
