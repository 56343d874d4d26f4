import uuid

from django.conf import settings
from django.db import models

from tidings.platforms.models import SocialAccount


class TargetStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    QUEUED = "queued", "Queued"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled"
    UNCONFIRMED = "unconfirmed", "Sent, outcome unknown"
    # Proposed for a time and waiting for an approver; its credit is reserved and its queue place held meanwhile.
    AWAITING_APPROVAL = "awaiting_approval", "Waiting for approval"


# A target in one of these holds a place in the workspace's queue and a credit reservation.
IN_QUEUE = (TargetStatus.AWAITING_APPROVAL, TargetStatus.SCHEDULED, TargetStatus.QUEUED, TargetStatus.PUBLISHING)
# Claimed by the dispatcher: a publish workflow owns the target until it ends.
IN_FLIGHT = (TargetStatus.QUEUED, TargetStatus.PUBLISHING)


class Post(models.Model):
    """What the user wrote; it goes out once per target (one target per connected account)."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="posts")
    # Who wrote it; none for a post an automation rule wrote, or once its author has left the workspace.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    text = models.TextField(blank=True, default="")
    link = models.URLField(blank=True, default="", max_length=2000)
    # The posts written by hand after the first, in order, on platforms that thread (a file's `part` says which
    # post it belongs to). Text that is simply too long is still split automatically.
    thread_parts = models.JSONField(default=list, blank=True)
    # Posted as a reply (or a comment) right after the post, and tracked like a thread part.
    first_comment = models.TextField(blank=True, default="")
    scheduled_at = models.DateTimeField(null=True, blank=True, help_text="UTC; null while a draft.")
    # Put at a posting slot by "Add to queue": the queue's shuffle and "move up" rearrange only these posts.
    queued_in_slot = models.BooleanField(default=False)
    # Why the post is still a draft after a refused attempt to schedule it, so nothing the user wrote is lost.
    draft_reason = models.CharField(max_length=500, blank=True, default="")
    automation_rule = models.ForeignKey(
        "automation.AutomationRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    # The rule's run that wrote this post: one post per run, however often the run's step is repeated.
    automation_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "scheduled_at"], name="post_workspace_scheduled_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["automation_rule", "automation_run_at"],
                condition=models.Q(automation_rule__isnull=False),
                name="one_post_per_rule_run",
            ),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in {self.workspace_id}"


class PostTarget(models.Model):
    """One post on one connected account, with its own state, attempts and outcome."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    account = models.ForeignKey(SocialAccount, on_delete=models.PROTECT, related_name="targets")
    platform = models.CharField(max_length=32)
    text_override = models.TextField(blank=True, default="", help_text="Platform-specific text, if edited.")
    # This platform's own choices for the post (a YouTube title and privacy, a Pinterest board, a Mastodon content
    # warning), validated by `tidings.platforms.options` before they are stored.
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=TargetStatus.choices, default=TargetStatus.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # Sent with every publish, so a retry after a crash is recognised by platforms that support it.
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    attempts = models.PositiveIntegerField(default=0)
    # Each dispatch round runs under its own workflow id (publish-<id>, then publish-<id>-<round> after a retry),
    # so a retry is a new run while a re-drive of the same round can never run twice.
    dispatch_round = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Set just before a request goes to the platform and cleared once its answer is known: if it is still set
    # when the publish step runs again (after a crash or a timeout), that send may have reached the platform.
    sending_since = models.DateTimeField(null=True, blank=True)
    # What a send made on the platform while it waits for the platform to process it (media container ids, an
    # upload's media ids, TikTok's publish id) and since when: the next check resumes from here instead of
    # uploading again. Ids only, never tokens; cleared when the target ends, kept while it is unconfirmed.
    progress = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(max_length=255, blank=True, default="")
    external_url = models.URLField(blank=True, default="", max_length=2000)
    error = models.TextField(blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "account"], name="one_target_per_account"),
        ]
        indexes = [
            models.Index(fields=["status", "scheduled_at"], name="target_due_idx"),
            # The targets that ended in a recent window, by status: the /metrics scrape reads no other rows.
            models.Index(fields=["status", "updated_at"], name="target_status_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"Target {self.pk} ({self.platform}, {self.status})"

    @property
    def text(self) -> str:
        return self.text_override or self.post.text

    @property
    def safe_external_url(self) -> str:
        """The published post's address, only when it is a web address: a platform's answer is not trusted to be."""
        return self.external_url if is_web_address(self.external_url) else ""

    @property
    def workflow_id(self) -> str:
        return publish_workflow_id(self.pk, self.dispatch_round)


class AttemptOutcome(models.TextChoices):
    PUBLISHED = "published", "Published"
    TRANSIENT = "transient", "Temporary error"
    RATE_LIMITED = "rate_limited", "Rate limited"
    AUTH = "auth", "Sign-in refused"
    PERMANENT = "permanent", "Refused"
    UNKNOWN = "unknown", "No answer"
    FOUND = "found", "Found on the platform"
    NOT_FOUND = "not_found", "Not found on the platform"
    PROCESSING = "processing", "Still processing"


class PublishAttempt(models.Model):
    """One call to the platform for a target (a send, or a lookup of an earlier send): the evidence the user and
    the operator see for every outcome."""

    target = models.ForeignKey(PostTarget, on_delete=models.CASCADE, related_name="attempt_history")
    number = models.PositiveIntegerField(help_text="The send this call made or checked, counting from 1.")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    # The platform's answer in short; never a token, and never the post's text.
    detail = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["target", "started_at", "id"]
        indexes = [
            models.Index(fields=["target", "started_at"], name="attempt_target_idx"),
            models.Index(fields=["started_at"], name="attempt_started_idx"),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of target {self.target_id}: {self.outcome}"


def is_web_address(url: str) -> bool:
    """An http(s) address: the only kind a link from a platform or a user is kept and shown as."""
    return url.lower().startswith(("https://", "http://"))


def publish_workflow_id(target_id: int, dispatch_round: int = 0) -> str:
    return f"publish-{target_id}" if dispatch_round == 0 else f"publish-{target_id}-{dispatch_round}"


class MediaKind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"
    GIF = "gif", "Animated GIF"
    DOCUMENT = "document", "Document"


def media_path(asset: "MediaAsset", filename: str) -> str:
    """An unguessable name (platforms that fetch media by URL, Instagram and Threads, see it before the post is out)
    whose extension is that of the sniffed type, `asset.mime_type`, set before saving; the client's name is ignored."""
    from tidings.posts.mediatypes import EXTENSIONS

    if asset.mime_type not in EXTENSIONS:
        raise ValueError(f"Tidings does not store {asset.mime_type or 'untyped'} files.")
    return f"uploads/{uuid.uuid4().hex}.{EXTENSIONS[asset.mime_type]}"


class MediaAsset(models.Model):
    """An uploaded image or video, with what the platform rules need to know about it."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="media")
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="media")
    position = models.PositiveSmallIntegerField(default=0)
    # Which post of a hand-written thread the file goes with: 0 for the first, k for `post.thread_parts[k - 1]`.
    part = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=media_path, max_length=200)
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    mime_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    alt_text = models.CharField(max_length=1500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["post", "position", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file.name}"


class NoteKind(models.TextChoices):
    COMMENT = "comment", "Comment"
    PROPOSED = "proposed", "Proposed for approval"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REJECTED = "rejected", "Rejected"


class PostNote(models.Model):
    """The team's conversation about a post and its approval history, in order: who said or decided what, when.
    A note from a client approval link has no author, only the name the client gave."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=20, choices=NoteKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="post_notes"
    )
    # Who wrote it when there is no login behind it (a client through an approval link).
    guest_name = models.CharField(max_length=100, blank=True, default="")
    text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on post {self.post_id}"

    @property
    def who(self) -> str:
        if self.author is not None:
            return self.author.get_full_name() or self.author.username
        return f"{self.guest_name} (approval link)" if self.guest_name else "Someone who left"
