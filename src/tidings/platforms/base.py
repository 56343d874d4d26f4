"""The publishing interface every platform module implements, and the errors that carry the retry decision."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from tidings.platforms.media import MediaItem
from tidings.platforms.models import SocialAccount
from tidings.platforms.rules import TextRules


@dataclass(frozen=True)
class ThreadPart:
    """A post written by hand after the first one of a thread, with its own files."""

    text: str
    media: tuple[MediaItem, ...] = ()


@dataclass(frozen=True)
class Content:
    """What goes out for one target: the text, an optional link, the attached media in order; the hand-written
    thread parts after it, a first comment, and this platform's validated options."""

    text: str
    link: str = ""
    media: tuple[MediaItem, ...] = ()
    scheduled_at: datetime | None = None
    parts: tuple[ThreadPart, ...] = ()
    first_comment: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    # What an earlier check of this send left (`StillProcessing.progress`): the connector resumes from it.
    progress: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str = ""
    # Published, but not quite as asked (a video the platform locked private, a first comment that failed): kept
    # on the attempt and the published target, and told to the user.
    notice: str = ""


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
    """The credentials stopped working: the account needs reconnecting; publishing is skipped.

    `refreshable` says whether new tokens could help (an expired or refused token) or not (a permission the user
    took away, a refresh already refused): only then is a refresh tried before the account is marked.
    """

    def __init__(self, message: str, *, refreshable: bool = True) -> None:
        super().__init__(message)
        self.refreshable = refreshable


class PermanentError(PublishFailure):
    """The platform refused this content for good (validation, policy); fail with its message."""


class StillProcessing(PublishFailure):
    """The platform is still processing what was sent (a video, a media container): look again in `check_after`
    seconds, resuming from `progress` (the ids made so far, JSON, never a token) rather than sending again.

    `sent` says the post already exists on the platform (TikTok's init), so only the status may be asked again;
    a later failure other than OutcomeUnknown then means the platform says the post did not go out.
    Raised through `tidings.platforms.connectors.waiting`, which also enforces the longest total wait.
    """

    def __init__(self, message: str, *, progress: Mapping[str, Any], check_after: float, sent: bool = False) -> None:
        super().__init__(message)
        self.progress = dict(progress)
        self.check_after = check_after
        self.sent = sent


class OutcomeUnknown(PublishFailure):
    """The request may have reached the platform (a timeout after sending): never re-sent blindly."""


@dataclass(frozen=True)
class Capabilities:
    # The platform deduplicates by our idempotency key, so sending again after an unknown outcome is safe.
    idempotent_publish: bool = False
    # The platform can be asked whether the post sent earlier exists (by our key, or among the account's posts).
    can_find_published: bool = False
    threads: bool = False
    # A first comment can be posted under the post (`Content.first_comment`).
    first_comment: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class TokenSet:
    """Credentials from a platform: what `SocialAccount` stores (encrypted) after a connect or a refresh."""

    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    scope: str = ""


@dataclass(frozen=True)
class Identity:
    """Who the connected account is on the platform."""

    external_id: str
    handle: str
    display_name: str = ""
    # The server for federated platforms (a Mastodon instance, a Bluesky PDS) or the URL of a webhook.
    base_url: str = ""
    # What the platform told us at connect that the account keeps in `SocialAccount.options`, merged over what it
    # had (`services.kept_options`): what it is where one sign-in can post as several ({"kind": "organization"}),
    # a Mastodon server's limits, a Pinterest account's boards and default board.
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the user to approve access, and what the callback must find in the session."""

    url: str
    state: str
    # Kept server-side (in the session) until the callback: the PKCE verifier, a Mastodon instance's app, ...
    session_data: dict[str, str] = field(default_factory=dict)


class Connector(Protocol):
    """One platform. Modules live in `tidings.platforms.connectors`, registered in `tidings.platforms.registry`.

    How an account connects depends on the platform: OAuth platforms implement `start_connect` and
    `finish_connect`; the others (Bluesky app passwords, webhooks) take credentials from a form through
    `connect_with_credentials`. Each raises `PermanentError` (bad input, with the platform's words) or
    `ReauthRequired` (credentials refused).
    """

    platform: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    # "oauth" or "credentials": which of the connect methods below this platform implements.
    connect_method: ClassVar[str]
    # How long before expiry the sweep refreshes a token, and whether a refresh uses the access token itself.
    refresh_ahead: ClassVar[timedelta]
    refreshes_with_access_token: ClassVar[bool]

    def is_configured(self) -> bool:
        """False when the server lacks what this platform needs (an OAuth client id, say): shown as unavailable."""
        ...

    def start_connect(self, *, redirect_uri: str, instance: str = "") -> AuthorizationRequest:
        """OAuth: the authorization URL with state (and PKCE where the platform supports it)."""
        ...

    def finish_connect(
        self, *, code: str, redirect_uri: str, session_data: dict[str, str]
    ) -> tuple[Identity, TokenSet]:
        """OAuth: exchange the code (with the PKCE verifier) and find out who the account is."""
        ...

    def connect_choices(
        self, *, code: str, redirect_uri: str, session_data: dict[str, str]
    ) -> list[tuple[Identity, TokenSet]]:
        """OAuth: every account this sign-in can post as (a person's Pages, a member and their organisations),
        each with its own tokens; the user picks among several. Empty, or a PermanentError saying what to do, when
        there is none."""
        ...

    def connect_with_credentials(self, fields: dict[str, str]) -> tuple[Identity, TokenSet]:
        """Credentials: check them against the platform and return who the account is."""
        ...

    def refresh_credentials(self, account: SocialAccount) -> TokenSet:
        """New tokens before the old expire; ReauthRequired when the platform refuses (the user must reconnect)."""
        ...

    def can_refresh(self, account: SocialAccount, *, now: datetime) -> bool:
        """Whether `refresh_credentials` can give new tokens now, without the user."""
        ...

    def text_rules(self, account: SocialAccount) -> TextRules:
        """The text limits this account posts under (a Mastodon server's own), for counting in the composer."""
        ...

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        """Human-readable reasons the content cannot go out on this platform; empty when it can."""
        ...

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        """Publish once; raise one of the PublishFailure subclasses on failure."""
        ...

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: datetime | None
    ) -> Published | None:
        """The post sent earlier with this key and `content` (the send began at `sent_after`), if it is there.

        None means "looked, and it is not there" (or, where the platform deduplicates by the key, that sending
        again is safe), so the caller sends again: a lookup that cannot be sure raises a PublishFailure instead.
        """
        ...
