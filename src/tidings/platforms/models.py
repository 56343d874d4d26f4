from django.conf import settings
from django.db import models

from tidings.core.encryption import EncryptedTextField


class Platform(models.TextChoices):
    BLUESKY = "bluesky", "Bluesky"
    MASTODON = "mastodon", "Mastodon"
    X = "x", "X"
    LINKEDIN = "linkedin", "LinkedIn"
    FACEBOOK = "facebook", "Facebook Pages"
    INSTAGRAM = "instagram", "Instagram"
    THREADS = "threads", "Threads"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube"
    PINTEREST = "pinterest", "Pinterest"
    WEBHOOK = "webhook", "Webhook"


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RECONNECT_NEEDED = "reconnect_needed", "Reconnect needed"
    DISCONNECTED = "disconnected", "Disconnected"


class SocialAccount(models.Model):
    """A workspace's account on one platform. Tokens are encrypted at rest and never leave the server."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="social_accounts")
    platform = models.CharField(max_length=32, choices=Platform.choices)
    external_id = models.CharField(max_length=255, help_text="The account's id on the platform.")
    handle = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255, blank=True, default="")
    # The server for federated platforms (a Mastodon instance, a Bluesky PDS) or the URL of a webhook.
    base_url = models.URLField(blank=True, default="")
    access_token = EncryptedTextField(blank=True, default="")
    refresh_token = EncryptedTextField(blank=True, default="")
    token_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(max_length=500, blank=True, default="")
    # What the account is where a sign-in can post as several (a person or an organisation on LinkedIn, a Page),
    # and its standing choices (the default Pinterest board): set by the connector at connect time.
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=32, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    status_reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "platform", "external_id"], name="one_connection_per_account"),
        ]
        indexes = [models.Index(fields=["workspace", "platform", "status"], name="account_workspace_platform_idx")]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.handle}"


class PendingConnection(models.Model):
    """What a sign-in found to post as (Pages, organisations, channels, boards), kept until the user picks.

    Each choice can carry its own token (a Facebook Page's), so the list is encrypted like the tokens it holds;
    a pick turns each chosen entry into its own `SocialAccount`.
    """

    # Who signed in (only they are shown the choice), and the workspace the chosen accounts will belong to.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_connections")
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="pending_connections")
    platform = models.CharField(max_length=32, choices=Platform.choices)
    choices = EncryptedTextField(help_text="JSON: each choice's identity and tokens.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Pending {self.platform} connection of {self.user_id}"


class MastodonApp(models.Model):
    """The app Tidings registered on one Mastodon server (POST /api/v1/apps), reused for every sign-in there."""

    instance = models.CharField(max_length=255, unique=True, help_text="The server's base URL, https://host.")
    client_id = models.CharField(max_length=255)
    client_secret = EncryptedTextField()
    # The app is registered for one callback; a changed TIDINGS_PUBLIC_URL needs a new registration.
    redirect_uri = models.CharField(max_length=500)
    scopes = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.instance
