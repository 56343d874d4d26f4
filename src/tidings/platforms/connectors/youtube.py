"""YouTube through the Data API v3: one video per post, sent with the resumable upload protocol.

https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol: a POST with the video's metadata
opens an upload session (its URL comes back in Location); the bytes go up in chunks with PUT and Content-Range;
a 308 "Resume Incomplete" says, in its Range header, how much arrived. After a 5xx or a lost connection we ask the
session how far it got (`Content-Range: bytes */<size>`) and continue from there.

YouTube takes no idempotency key and has no way to find a video by one, so an unanswered send (a crash mid-upload)
is left for the user to check; within one attempt the session URL is the key, and is asked before giving up.

A first comment is a comment thread on the new video (commentThreads.insert,
https://developers.google.com/youtube/v3/docs/commentThreads/insert), which needs the `youtube.force-ssl` scope: a
channel connected without it is refused a first comment at compose and schedule, with the advice to reconnect.
"""

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.utils import timezone

from tidings import http
from tidings.platforms.base import (
    Capabilities,
    Content,
    Identity,
    OutcomeUnknown,
    PermanentError,
    Published,
    PublishFailure,
    RateLimited,
    ReauthRequired,
    TokenSet,
    TransientError,
)
from tidings.platforms.connectors import thread
from tidings.platforms.connectors.api import FileRange, open_stored, publish_timeout, stored_size, upload_timeout
from tidings.platforms.connectors.base import OAuthConnector
from tidings.platforms.connectors.oauth2 import OAuth2App
from tidings.platforms.errors import classify_status, retry_after_seconds
from tidings.platforms.media import MB, MediaItem, MediaRules, media_problems
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.options import YouTubeOptions, options_for
from tidings.platforms.rules import text_problems

API = "https://www.googleapis.com/youtube/v3"
UPLOAD_URL = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/youtube.force-ssl",
)
COMMENT_SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl"
# https://support.google.com/youtube/answer/55744 (formats) and /answer/71673 (256 GB or 12 hours; over 15 minutes
# needs a verified channel, which the API does not tell us before the upload).
RULES = MediaRules(
    max_items=1,
    image_types=frozenset(),
    video_types=frozenset(
        "video/" + kind for kind in ("mp4", "quicktime", "webm", "mpeg", "3gpp", "x-msvideo", "x-flv", "x-ms-wmv")
    ),
    max_video_bytes=256 * 1024 * MB,
    max_video_seconds=12 * 3600,
    requires_video=True,
)
# https://developers.google.com/youtube/v3/docs/videos#properties: a title of at most 100 characters, no < or >.
TITLE_CHARS = 100
# A multiple of 256 KB, as the protocol asks of every chunk but the last.
CHUNK_BYTES = 32 * 256 * 1024
MAX_RESUMES = 5
RESUME_BACKOFF_SECONDS = 1.0
# The daily quota resets at midnight Pacific time (https://developers.google.com/youtube/v3/getting-started#quota).
QUOTA_ZONE = ZoneInfo("America/Los_Angeles")
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
SLOW_DOWN_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
REAUTH_REASONS = {"authError", "insufficientPermissions"}


def title_and_description(content: Content) -> tuple[str, str]:
    """The title is the one chosen for the post, else the first line cut at a word to 100 characters; the
    description is the whole text (and link)."""
    description = content.text.strip()
    if content.link and content.link not in description:
        description = f"{description}\n\n{content.link}"
    chosen = options_for(YouTubeOptions, content.options).title
    if chosen:
        return chosen, description
    first = description.splitlines()[0].strip() if description else ""
    if len(first) > TITLE_CHARS:
        first = first[: TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip() + "…"
    return first, description


def seconds_to_quota_reset(now: datetime) -> float:
    local = now.astimezone(QUOTA_ZONE)
    midnight = datetime.combine(local.date() + timedelta(days=1), clock(0), tzinfo=QUOTA_ZONE)
    # Subtract in UTC: two datetimes sharing a tzinfo subtract as naive ones, wrong across a DST change.
    return (midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds()


def youtube_failure(response: httpx.Response, *, refused: str = "the upload") -> PublishFailure:
    """Google's error body: {"error": {"message": ..., "errors": [{"reason": ...}]}}; `refused` names the call."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    error = error if isinstance(error, dict) else {}
    reasons = {str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)}
    message = f"YouTube refused {refused} ({response.status_code}): {error.get('message') or response.text[:300]}"
    if reasons & QUOTA_REASONS:
        # The quota belongs to this server's Google project. Waiting for the reset is worth it only within the window
        # in which a late post is still sent; beyond it the user should pick a new time.
        wait = seconds_to_quota_reset(timezone.now())
        if wait <= settings.TIDINGS_LATE_WINDOW_SECONDS:
            return RateLimited(f"{message} The quota resets at midnight Pacific time.", retry_after=wait + 60)
        return PermanentError(
            f"YouTube's daily API quota for this server is used up; it resets at midnight Pacific time, in "
            f"{wait / 3600:.1f} h. Reschedule the post after that."
        )
    if reasons & SLOW_DOWN_REASONS:
        return RateLimited(message, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    if "insufficientPermissions" in reasons:
        # The grant lacks a scope: a refreshed token carries the same scopes, so only a reconnect helps.
        # https://developers.google.com/youtube/v3/docs/errors ("forbidden (403)")
        return ReauthRequired(
            "YouTube says this sign-in lacks a permission Tidings needs; reconnect the account and allow it.",
            refreshable=False,
        )
    if reasons & REAUTH_REASONS or response.status_code == 401:
        return ReauthRequired("YouTube no longer accepts this account's sign-in.")
    kind = classify_status(response.status_code)
    if kind is RateLimited:
        return RateLimited(message, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    # Other 403s are about the channel or the video (uploadLimitExceeded, forbidden): reconnecting will not help.
    return TransientError(message) if kind is TransientError else PermanentError(message)


class YouTubeConnector(OAuthConnector):
    capabilities: ClassVar[Capabilities] = Capabilities(first_comment=True)
    """On `OAuthConnector` only: its upload reads each answer itself (308, a lost PUT), which `ApiConnector` hides."""

    platform: ClassVar[str] = Platform.YOUTUBE
    # A refresh token comes only with offline access, and again on a reconnect only when consent is asked anew.
    authorize_params: ClassVar[Mapping[str, str]] = {
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
    }

    def oauth_app(self, client_id: str, client_secret: str) -> OAuth2App:
        return OAuth2App(
            client_id,
            client_secret,
            authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
            token_url="https://oauth2.googleapis.com/token",  # noqa: S106 (a URL, not a secret)
            scopes=SCOPES,
            pkce=True,
            token_auth="post",  # noqa: S106
        )

    def connect_choices(
        self, *, code: str, redirect_uri: str, session_data: dict[str, str]
    ) -> list[tuple[Identity, TokenSet]]:
        """The channels of the signed-in account: `channels.list` with `mine=true` can name more than one
        (https://developers.google.com/youtube/v3/docs/channels/list, "mine"); each picked is its own account.
        Uploads go to the channel the grant is for: Google's consent screen asks a person with several (Brand
        Accounts) which one, so most sign-ins name exactly one and connect it at once."""
        tokens = self.exchange_code(code=code, redirect_uri=redirect_uri, session_data=session_data)
        response = self._request(
            "GET",
            f"{API}/channels",
            tokens.access_token,
            params={"part": "snippet", "mine": "true", "maxResults": "50"},
        )
        if not response.is_success:
            raise youtube_failure(response)
        items = [item for item in response.json().get("items") or [] if isinstance(item, dict) and item.get("id")]
        if not items:
            raise PermanentError("This Google account has no YouTube channel; create one, then connect again.")
        return [(_channel(item), tokens) for item in items]

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        title, description = title_and_description(content)
        # The description's 5000 bytes are counted in `rules` (Counting.UTF8_BYTES), as compose counts them.
        problems = text_problems(Platform.YOUTUBE, description) + media_problems("YouTube", RULES, content.media)
        problems += thread.comment_problems(Platform.YOUTUBE, content.first_comment)
        if content.first_comment.strip() and not can_comment(account):
            problems.append(
                "This YouTube channel was connected without permission to post comments, which a first comment "
                "needs: reconnect the channel to allow it, or remove the first comment."
            )
        if "<" in description or ">" in description:
            problems.append("YouTube does not allow < or > in a video's title or description.")
        return problems if title or problems else ["A YouTube video needs a title: write at least one line of text."]

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        if not content.media:
            raise PermanentError("YouTube needs a video.")
        token, video = account.access_token, content.media[0]
        title, description = title_and_description(content)
        size = stored_size(video)
        metadata = video_metadata(content, title, description)
        headers = {
            "Content-Type": "application/json; charset=UTF-8",
            "X-Upload-Content-Length": str(size),
            "X-Upload-Content-Type": video.mime_type,
        }
        response = self._request("POST", UPLOAD_URL, token, json=metadata, headers=headers)
        if not response.is_success or not response.headers.get("Location"):
            raise youtube_failure(response)
        result = self._upload(response.headers["Location"], token, video, size)
        upload_status = (result.get("status") or {}).get("uploadStatus")
        if upload_status in ("rejected", "failed"):
            reason = result["status"].get("rejectionReason") or result["status"].get("failureReason") or upload_status
            raise PermanentError(f"YouTube {upload_status} the video: {reason}.")
        asked = metadata["status"]["privacyStatus"]
        got = (result.get("status") or {}).get("privacyStatus") or asked
        published = Published(
            str(result["id"]), f"https://www.youtube.com/watch?v={result['id']}", notice=_privacy_notice(asked, got)
        )
        comment = content.first_comment.strip()
        return thread.with_comment(self.label, published, comment, lambda video: self._comment(token, video, comment))

    def _comment(self, token: str, video: Published, comment: str) -> None:
        body = {"snippet": {"videoId": video.external_id, "topLevelComment": {"snippet": {"textOriginal": comment}}}}
        try:
            response = http.shared_client().post(
                f"{API}/commentThreads",
                params={"part": "snippet"},
                json=body,
                headers={"Authorization": f"Bearer {token}"},
                timeout=publish_timeout(),
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise TransientError(f"Could not reach YouTube: {type(error).__name__}") from None
        except httpx.TransportError as error:
            raise OutcomeUnknown(f"YouTube did not answer ({type(error).__name__}).") from None
        if not response.is_success:
            raise youtube_failure(response, refused="the comment")

    def _upload(self, session: str, token: str, video: MediaItem, size: int) -> dict[str, Any]:
        """Send the bytes from wherever the session stands, streamed from the file in blocks; the finished video
        resource when done."""
        mime_type = video.mime_type
        offset, failures, in_doubt, final_sent = 0, 0, False, False
        with open_stored(video) as file:
            while True:
                if in_doubt:
                    failures += 1
                    if failures > MAX_RESUMES and final_sent:
                        raise OutcomeUnknown("YouTube never confirmed the finished upload; check the channel.")
                    if failures > MAX_RESUMES:
                        raise TransientError("The upload to YouTube kept failing; no video was created.")
                    time.sleep(RESUME_BACKOFF_SECONDS * 2 ** (failures - 1))
                    status = self._status(session, token, size)
                    if isinstance(status, dict):
                        return status
                    if status is not None:
                        offset, in_doubt = status, False
                    continue
                length = min(CHUNK_BYTES, size - offset)
                final_sent = final_sent or offset + length == size
                headers = {
                    "Content-Type": mime_type,
                    "Content-Length": str(length),
                    "Content-Range": f"bytes {offset}-{offset + length - 1}/{size}",
                }
                try:
                    response = self._request(
                        "PUT", session, token, content=FileRange(file, offset, length), headers=headers
                    )
                except httpx.TransportError:
                    in_doubt = True
                    continue
                if response.status_code in (200, 201):
                    return dict(response.json())
                if response.status_code == 308:
                    offset = _next_offset(response)
                    # Everything arrived yet no video came back: only the session can say what happened.
                    in_doubt = offset >= size
                elif response.status_code >= 500:
                    in_doubt = True
                else:
                    raise youtube_failure(response)

    def _status(self, session: str, token: str, size: int) -> int | dict[str, Any] | None:
        """Ask the session how far it got: the next byte to send, the video if complete, None if it did not say."""
        try:
            response = self._request("PUT", session, token, content=b"", headers={"Content-Range": f"bytes */{size}"})
        except httpx.TransportError:
            return None
        if response.status_code in (200, 201):
            return dict(response.json())
        if response.status_code == 308:
            return _next_offset(response)
        if response.status_code == 404:
            # The session expired: nothing was created, and a new attempt starts a new session.
            raise TransientError("YouTube dropped the upload session; the upload will start again.")
        if response.status_code >= 500:
            return None
        raise youtube_failure(response)

    def _request(self, method: str, url: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        timeout = upload_timeout() if method == "PUT" else publish_timeout()
        try:
            return http.shared_client().request(method, url, headers=headers, timeout=timeout, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            if method == "PUT":
                raise
            raise TransientError(f"Could not reach YouTube: {type(error).__name__}") from None
        except httpx.TransportError as error:
            if method == "PUT":
                raise
            # Opening a session or reading a channel creates no video: safe to try again.
            raise TransientError(f"YouTube did not answer: {type(error).__name__}") from None


def _channel(item: dict[str, Any]) -> Identity:
    snippet = item.get("snippet") or {}
    title = str(snippet.get("title") or item["id"])
    handle = str(snippet.get("customUrl") or title)
    return Identity(external_id=str(item["id"]), handle=handle, display_name=title, options={"kind": "channel"})


def video_metadata(content: Content, title: str, description: str) -> dict[str, Any]:
    """The `snippet` and `status` of videos.insert, from the post's text and its YouTube options."""
    options = options_for(YouTubeOptions, content.options)
    # 22 is "People & Blogs", the default of Google's own upload sample.
    snippet: dict[str, Any] = {"title": title, "description": description, "categoryId": "22"}
    if options.tags:
        snippet["tags"] = options.tags
    status = {"privacyStatus": options.privacy, "selfDeclaredMadeForKids": options.made_for_kids}
    return {"snippet": snippet, "status": status}


def _privacy_notice(asked: str, got: str) -> str:
    """Videos uploaded through an unverified API project are locked private, whatever was asked
    (https://developers.google.com/youtube/v3/docs/videos/insert, the note on unverified projects): the answer's
    `status.privacyStatus` then differs from ours, and the user is told rather than shown a public video."""
    if got == asked:
        return ""
    return (
        f"YouTube made the video {got}, not {asked}: videos uploaded through an API project Google has not "
        "verified are locked private. Change it on YouTube, or ask the operator to have the project verified."
    )


def _next_offset(response: httpx.Response) -> int:
    """A 308's `Range: bytes=0-N` means bytes up to N arrived; no Range header means none did."""
    received = response.headers.get("Range", "")
    return int(received.rsplit("-", 1)[1]) + 1 if received.startswith("bytes=") else 0


def can_comment(account: SocialAccount) -> bool:
    """Whether the channel's grant lets Tidings post comments; a grant that did not say its scopes may."""
    return not account.scopes or COMMENT_SCOPE in account.scopes.split()
