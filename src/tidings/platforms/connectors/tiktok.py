"""TikTok through the Content Posting API: one video per post, sent as a Direct Post from a file upload.

Flow (https://developers.tiktok.com/doc/content-posting-api-reference-direct-post): ask for the creator's info
(privacy options, longest allowed video), init the post with source FILE_UPLOAD, PUT the file in chunks to the
returned upload_url, streamed from the file, then check the publish status until PUBLISH_COMPLETE or FAILED, handing
the wait back to the workflow meanwhile (`waiting`) with the publish id kept on the target.

TikTok takes no idempotency key: a post still processing, or one whose status could not be read, is settled later
by its publish id (`find_published`); an init whose answer was lost has none, and is left for the user to check.

What the post allows (who sees it, comments, duets, stitches, the commercial and AI labels) is the user's own choice
for each post (`TikTokOptions`), as the Content Sharing Guidelines require
(https://developers.tiktok.com/doc/content-sharing-guidelines): nothing is preset, and publishing checks it again
against the creator's info of the moment. Apps that have not passed TikTok's audit may only post SELF_ONLY.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import IO, Any, ClassVar

import httpx

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
from tidings.platforms.connectors.api import ApiConnector, FileRange, open_stored, stored_size, upload_timeout
from tidings.platforms.connectors.oauth2 import OAuth2App
from tidings.platforms.connectors.waiting import NotYet, Patience, until_ready
from tidings.platforms.errors import retry_after_seconds
from tidings.platforms.media import MB, MediaRules, media_problems
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.options import TikTokOptions, options_for
from tidings.platforms.rules import text_problems

API = "https://open.tiktokapis.com"
SCOPES = ("user.info.basic", "video.publish")
# https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide#video_restrictions
RULES = MediaRules(
    max_items=1,
    image_types=frozenset(),
    video_types=frozenset({"video/mp4", "video/webm", "video/quicktime"}),
    max_video_bytes=4096 * MB,
    min_video_seconds=3.0,
    # The longest any creator may post; a creator's own limit (often less) is checked before sending.
    max_video_seconds=600.0,
    # Picture size 360-4096 px on each side bounds the shape.
    min_aspect=360 / 4096,
    max_aspect=4096 / 360,
    requires_video=True,
)
MIN_SIDE, MAX_SIDE = 360, 4096
# The status of a post in processing (no polling cadence is documented; processing a video takes minutes).
PATIENCE = Patience(first=10.0, longest=60.0, most=30 * 60.0, inline=5.0, inline_every=2.0)
STATUS_PATH = "/v2/post/publish/status/fetch/"
# Chunks of 5-64 MB, the last up to 128 MB; a file up to one chunk goes whole (the media transfer guide).
CHUNK_BYTES = 10 * MB
CHUNK_RETRIES = 2
# https://developers.tiktok.com/doc/tiktok-api-v2-error-handling and the Direct Post reference's error table.
REAUTH_CODES = {"access_token_invalid", "scope_not_authorized"}
FINAL_MESSAGES = {
    "spam_risk_too_many_posts": "TikTok's daily cap on posts through apps is reached for this account.",
    "spam_risk_user_banned_from_posting": "TikTok has banned this account from posting through apps.",
    "reached_active_user_cap": "This server's TikTok app reached its daily cap of posting users.",
    "unaudited_client_can_only_post_to_private_accounts": (
        "This server's TikTok app is unaudited: it may only post SELF_ONLY to private accounts."
    ),
    "privacy_level_option_mismatch": "The privacy level is not one this TikTok account offers.",
}


def tiktok_failure(response: httpx.Response) -> PublishFailure:
    """TikTok names its errors in the JSON `error.code`; the HTTP status is the fallback."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code, text = str(error.get("code") or ""), str(error.get("message") or response.text[:300])
    message = f"TikTok refused the post ({code or response.status_code}): {text}".strip()
    if code == "scope_not_authorized":
        # A permission the user did not grant: a new token has the same scopes, so only a reconnect helps.
        # https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
        return ReauthRequired(
            "TikTok says this account did not grant a permission Tidings needs; reconnect it and allow every "
            "permission asked for.",
            refreshable=False,
        )
    if code in REAUTH_CODES or response.status_code == 401:
        return ReauthRequired(f"TikTok no longer accepts this account's sign-in ({code or 401}).")
    if code == "rate_limit_exceeded" or response.status_code == 429:
        return RateLimited(message, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    if code in FINAL_MESSAGES:
        return PermanentError(f"{FINAL_MESSAGES[code]} {text}".strip())
    if code == "internal_error" or response.status_code >= 500:
        return TransientError(message)
    return PermanentError(message)


class TikTokConnector(ApiConnector):
    platform: ClassVar[str] = Platform.TIKTOK
    capabilities: ClassVar[Capabilities] = Capabilities(
        can_find_published=True,
        notes=(
            "TikTok has no idempotency key: a post whose answer was lost is settled by its publish id, or left for "
            "you to confirm when TikTok never gave one.",
        ),
    )
    patience: ClassVar[Patience] = PATIENCE
    # Access tokens last 24 hours (refresh tokens a year): https://developers.tiktok.com/doc/oauth-user-access-token-management
    refresh_ahead: ClassVar[timedelta] = timedelta(hours=6)

    def oauth_app(self, client_id: str, client_secret: str) -> OAuth2App:
        return OAuth2App(
            client_id,
            client_secret,
            authorize_url="https://www.tiktok.com/v2/auth/authorize/",
            token_url=f"{API}/v2/oauth/token/",
            scopes=SCOPES,
            # PKCE is for TikTok's mobile and desktop apps only; web apps use the client secret.
            pkce=False,
            token_auth="post",  # noqa: S106 (a method's name, not a secret)
            client_id_param="client_key",
            scope_separator=",",
        )

    def identify(self, tokens: TokenSet) -> Identity:
        user = self._call(tokens.access_token, "GET", "/v2/user/info/", params={"fields": "open_id,display_name"})
        user = user.get("user") or {}
        # The user name needs the user.info.profile scope; creator info has it, and proves video.publish was granted.
        creator = self._call(tokens.access_token, "POST", "/v2/post/publish/creator_info/query/")
        open_id = str(user.get("open_id") or "")
        if not open_id:
            raise TransientError("TikTok did not say which account signed in; try connecting again.")
        name = str(user.get("display_name") or creator.get("creator_nickname") or "")
        handle = str(creator.get("creator_username") or name or open_id)
        return Identity(external_id=open_id, handle=handle, display_name=name)

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        problems = text_problems(Platform.TIKTOK, _caption(content))
        problems += media_problems("TikTok", RULES, content.media)
        for item in content.media:
            sides = [side for side in (item.width, item.height) if side]
            if sides and (min(sides) < MIN_SIDE or max(sides) > MAX_SIDE):
                problems.append(
                    f"{item.path.rsplit('/', 1)[-1]} is {item.width}x{item.height} px; TikTok takes "
                    f"{MIN_SIDE} to {MAX_SIDE} px on each side."
                )
        if options_for(TikTokOptions, content.options).privacy_level is None:
            problems.append("Choose who can see this TikTok video: TikTok asks each post to say so.")
        return problems

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        if not content.media:
            raise PermanentError("TikTok needs a video.")
        token, video = account.access_token, content.media[0]
        if content.progress.get("publish_id"):
            # Sent already and processing: only its status is asked again.
            return self._await(token, content.progress, handle=account.handle)
        creator = self.creator_info(account)
        longest = creator.get("max_video_post_duration_sec")
        if longest and video.duration_seconds and video.duration_seconds > float(longest):
            raise PermanentError(f"This TikTok account may post videos of at most {longest} s.")
        size = stored_size(video)
        chunk_size, chunks = (size, 1) if size <= CHUNK_BYTES else (CHUNK_BYTES, size // CHUNK_BYTES)
        post_info = {"title": _caption(content), **post_settings(options_for(TikTokOptions, content.options), creator)}
        source = {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk_size, "total_chunk_count": chunks}
        init = self._call(
            token, "POST", "/v2/post/publish/video/init/", body={"post_info": post_info, "source_info": source}
        )
        publish_id = str(init["publish_id"])
        # The post exists once the last chunk arrives; an unanswered last chunk is settled by its status.
        with open_stored(video) as file:
            for index in range(chunks):
                start = index * chunk_size
                end = size if index == chunks - 1 else start + chunk_size
                _put_chunk(str(init["upload_url"]), file, video.mime_type, start, end - start, size)
        return self._await(token, {"publish_id": publish_id}, handle=account.handle)

    def creator_info(self, account: SocialAccount) -> dict[str, Any]:
        """What the creator may post now: nickname, `privacy_level_options`, and whether they turned comments,
        duets and stitches off; shown in the composer before the user chooses."""
        return self._call(account.access_token, "POST", "/v2/post/publish/creator_info/query/")

    def _await(self, token: str, progress: Mapping[str, Any], *, handle: str) -> Published:
        """The post once TikTok has published it; while it processes, the wait is handed back with the publish id
        (`sent`: the post exists, so it is never sent again), and after the longest wait left unconfirmed."""
        publish_id = str(progress["publish_id"])
        return until_ready(
            lambda: self._status(token, publish_id, handle=handle),
            patience=self.patience,
            progress=progress,
            made={"publish_id": publish_id},
            label=self.label,
            what="the video",
            sent=True,
        )

    def _status(self, token: str, publish_id: str, *, handle: str) -> Published | NotYet:
        """One status fetch: the post when complete, NotYet while processing (or when TikTok did not answer).

        https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status: PROCESSING_UPLOAD,
        PROCESSING_DOWNLOAD, SEND_TO_USER_INBOX, PUBLISH_COMPLETE, FAILED (with `fail_reason`).
        """
        try:
            data = self._call(token, "POST", STATUS_PATH, body={"publish_id": publish_id})
        except (TransientError, RateLimited):
            return NotYet()
        except PublishFailure as error:
            # The video is with TikTok: a post that may be published must not be sent again.
            raise OutcomeUnknown(f"TikTok would not say how the post went ({error.message}).") from None
        status = data.get("status")
        if status == "PUBLISH_COMPLETE":
            # Public posts get their id after moderation; private ones never do.
            post_ids = data.get("publicaly_available_post_id") or []
            if post_ids:
                return Published(str(post_ids[0]), f"https://www.tiktok.com/@{handle}/video/{post_ids[0]}")
            return Published(publish_id)
        if status == "FAILED":
            reason = str(data.get("fail_reason") or "unknown")
            if reason == "auth_removed":
                raise ReauthRequired("The TikTok account removed this app's access during the upload.")
            if reason == "internal":
                raise TransientError("TikTok failed to process the video (internal); it was not posted.")
            raise PermanentError(f"TikTok did not publish the video: {reason}.")
        return NotYet()

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: datetime | None
    ) -> Published | None:
        """A send in doubt, settled by the publish id kept on the target: the post once complete, None when TikTok
        says it failed (nothing went out); still processing, or without a publish id, it stays in doubt."""
        publish_id = str(content.progress.get("publish_id") or "")
        if not publish_id:
            raise OutcomeUnknown("TikTok never gave this send a publish id, so it cannot be asked about it.")
        try:
            found = self._status(account.access_token, publish_id, handle=account.handle)
        except (PermanentError, TransientError):
            return None
        if isinstance(found, NotYet):
            raise OutcomeUnknown(f"TikTok is still processing the video (publish id {publish_id}).")
        return found

    def _call(
        self,
        token: str,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = self.request(
            method,
            f"{API}{path}",
            # The init is the request that makes the post; its lost answer leaves it in doubt.
            sends=path.endswith("/video/init/"),
            params=params,
            json=body if method == "POST" else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=UTF-8"},
        )
        # TikTok may answer 200 with an error code.
        payload = self.data(response)
        error = payload.get("error")
        code = str(error.get("code") or "") if isinstance(error, dict) else ""
        if code in ("", "ok"):
            return dict(payload.get("data") or {})
        raise self.failure(response)

    def failure(self, response: httpx.Response) -> PublishFailure:
        return tiktok_failure(response)


def _put_chunk(url: str, file: IO[bytes], mime_type: str, start: int, length: int, total: int) -> None:
    """One chunk, streamed from the file and retried on a 5xx or a lost connection; an unanswered last chunk is
    left to the status check. (https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide)"""
    last = start + length == total
    headers = {
        "Content-Type": mime_type,
        "Content-Length": str(length),
        "Content-Range": f"bytes {start}-{start + length - 1}/{total}",
    }
    for attempt in range(CHUNK_RETRIES + 1):
        try:
            response = http.shared_client().put(
                url, content=FileRange(file, start, length), headers=headers, timeout=upload_timeout()
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            continue
        except httpx.TransportError:
            if last:
                return
            continue
        if response.is_success:
            return
        if response.status_code < 500 or attempt == CHUNK_RETRIES:
            raise tiktok_failure(response)
    raise TransientError("The video upload to TikTok kept failing; nothing was posted.")


def _caption(content: Content) -> str:
    if content.link and content.link not in content.text:
        return f"{content.text}\n\n{content.link}"
    return content.text


def post_settings(options: TikTokOptions, creator: dict[str, Any]) -> dict[str, Any]:
    """The user's choices as `post_info` fields, checked again against the creator's info of the moment: a privacy
    level the creator no longer offers is refused, and what the creator turned off in the app stays off.

    https://developers.tiktok.com/doc/content-posting-api-reference-direct-post (post_info) and
    https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info.
    """
    offered = [str(level) for level in creator.get("privacy_level_options") or []]
    if options.privacy_level is None:
        raise PermanentError("No one was chosen to see this TikTok video; choose a privacy level and schedule again.")
    if options.privacy_level not in offered:
        raise PermanentError(
            f"This TikTok account no longer offers {options.privacy_level}; it offers {', '.join(offered) or 'none'}."
        )
    return {
        "privacy_level": options.privacy_level,
        "disable_comment": not options.allow_comment or bool(creator.get("comment_disabled")),
        "disable_duet": not options.allow_duet or bool(creator.get("duet_disabled")),
        "disable_stitch": not options.allow_stitch or bool(creator.get("stitch_disabled")),
        "brand_organic_toggle": options.your_brand,
        "brand_content_toggle": options.branded_content,
        "is_aigc": options.ai_generated,
    }
