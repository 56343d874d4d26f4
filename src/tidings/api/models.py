from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A personal access token acting in one workspace. Only a SHA-256 hash of the secret is stored; the secret is
    shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    # A token acts in one workspace, with at most its owner's role there.
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The public part of the token, to find its row without scanning hashes.
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The token that minted this one through the API (none for the settings page and the CLI): revoking a token
    # revokes its descendants, and a minted token never has a later expiry or more scopes than its parent.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="minted")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class IdempotencyRecord(models.Model):
    """The answer to a create request sent with an Idempotency-Key, replayed when the same request comes again.

    `status_code` is null while the first request is still running.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and the canonical JSON body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_record_per_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code or 'in progress'})"


class RateLimitWindow(models.Model):
    """Requests a token made in one fixed window (`window` = Unix time // window length). In the database, so the
    limit holds across every web process."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "window"], name="one_rate_window_per_token")]

    def __str__(self) -> str:
        return f"token {self.token_id} window {self.window}: {self.count}"
