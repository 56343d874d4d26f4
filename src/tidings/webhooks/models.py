"""Outbound events: the addresses a workspace's other tools listen on, each event's delivery to one of them, and
every attempt to deliver it (what the receiver answered), so the user and the operator can see each one."""

from django.conf import settings
from django.db import models

from tidings.core.encryption import EncryptedTextField


class EventType(models.TextChoices):
    POST_SCHEDULED = "post.scheduled", "A post is scheduled"
    POST_PUBLISHED = "post.published", "A post went out"
    POST_FAILED = "post.failed", "A post failed"
    POST_UNCONFIRMED = "post.unconfirmed", "A post's outcome is unknown"
    APPROVAL_REQUESTED = "approval.requested", "A post waits for approval"
    CREDITS_LOW = "credits.low", "Credits are running low"
    ACCOUNT_RECONNECT_NEEDED = "account.reconnect_needed", "An account needs reconnecting"
    # Sent on request from the settings page or the API; no endpoint subscribes to it.
    PING = "ping", "Test event"


SUBSCRIBABLE = [event for event in EventType if event != EventType.PING]


class Endpoint(models.Model):
    """An address that receives the workspace's events, signed with a secret Tidings made for it."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True, default="")
    secret = EncryptedTextField()
    # The subscribed `EventType` values.
    event_types = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    # Why Tidings turned it off (the receiver answered 410 Gone); empty when a person did, or it is on.
    disabled_reason = models.CharField(max_length=300, blank=True, default="")
    # Since when every attempt has failed; cleared by a success. Names the failing streak its admins hear of once.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.description or self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One event for one endpoint. `next_attempt_at` is the truth about when it is sent next: the sweep sends
    whatever is due, so a delivery survives any crash."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    response_excerpt = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="one_delivery_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} to endpoint {self.endpoint_id}"


class DeliveryAttempt(models.Model):
    """One request to the endpoint and how it answered (or why it got no answer)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")
    response_excerpt = models.TextField(blank=True, default="")
    # Sent on a person's request (a redelivery or a test), not by the retry schedule.
    manual = models.BooleanField(default=False)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_per_number")]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
