"""The publishing interface every platform module implements, and the errors that carry the retry decision."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

from tidings.platforms.models import SocialAccount


@dataclass(frozen=True)
class Content:
    """What goes out for one target: the text (or thread parts), an optional link, media file paths."""

    text: str
    link: str = ""
    media: tuple[str, ...] = ()
    scheduled_at: datetime | None = None


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str = ""


class PublishFailure(Exception):
    """Base of the classified publish errors; `message` is the platform's words, safe to show the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransientError(PublishFailure):
    """Worth retrying after a backoff: 5xx, connection refused before anything was sent."""


class RateLimited(PublishFailure):
    """The platform asked us to wait; retry after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ReauthRequired(PublishFailure):
    """The credentials stopped working: the account needs reconnecting; publishing is skipped."""


class PermanentError(PublishFailure):
    """The platform refused this content for good (validation, policy); fail with its message."""


class OutcomeUnknown(PublishFailure):
    """The request may have reached the platform (a timeout after sending): never re-sent blindly."""


@dataclass(frozen=True)
class Capabilities:
    # The platform deduplicates by our idempotency key, so sending again after an unknown outcome is safe.
    idempotent_publish: bool = False
    # The platform can be asked whether a post with our idempotency key exists.
    can_find_published: bool = False
    threads: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


class Connector(Protocol):
    platform: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        """Human-readable reasons the content cannot go out on this platform; empty when it can."""
        ...

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        """Publish once; raise one of the PublishFailure subclasses on failure."""
        ...

    def find_published(self, account: SocialAccount, *, idempotency_key: str) -> Published | None:
        """The post sent earlier with this key, if the platform can tell; None when it does not exist."""
        ...
