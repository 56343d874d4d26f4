"""X (API v2): posts and threads, with images, a GIF or a video uploaded through the v2 media upload.

- Connect: OAuth 2.0 authorization code with PKCE; a confidential client authenticates with HTTP Basic. Access tokens
  last two hours and every refresh returns a new refresh token, the old one then stops working (rotation).
  https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
- Publish: POST /2/tweets; a thread is a chain of replies (`reply.in_reply_to_tweet_id`), media on the first post
  (or on each hand-written post, its own); the first comment is a reply to the first post.
  https://docs.x.com/x-api/posts/creation-of-a-post
- X takes no idempotency key, so a send whose answer was lost is looked for among the account's posts since the
  send (`find_published`, GET /2/users/:id/tweets).
- 429 says when the window reopens in `x-rate-limit-reset`, epoch seconds. https://docs.x.com/x-api/fundamentals/rate-limits
"""

import html
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from tidings.platforms.base import (
    Capabilities,
    Content,
    Identity,
    PermanentError,
    Published,
    PublishFailure,
    ReauthRequired,
    TokenSet,
)
from tidings.platforms.connectors import lookup, thread
from tidings.platforms.connectors.api import (
    ApiConnector,
    FileRange,
    full_text,
    open_stored,
    stored_size,
    thread_parts,
    thread_problems,
    upload_timeout,
)
from tidings.platforms.connectors.oauth2 import OAuth2App
from tidings.platforms.connectors.waiting import NotYet, Patience, until_ready
from tidings.platforms.errors import MAX_RETRY_AFTER, operator_problem, retry_after_seconds
from tidings.platforms.media import MB, MediaItem, MediaRules, media_problems
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.options import XOptions, options_for
from tidings.platforms.rules import text_problems

API = "https://api.x.com/2"
AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
TOKEN_URL = "https://api.x.com/2/oauth2/token"  # noqa: S105
SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write")
CHUNK_BYTES = 4 * MB

# https://docs.x.com/x-api/media/quickstart/best-practices: up to 4 images (5 MB) or one GIF (15 MB) or one video
# (512 MB, 0.5-140 s, aspect 1:3 to 3:1).
MEDIA_RULES = MediaRules(
    max_items=4,
    image_types=frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
    max_image_bytes=5 * MB,
    video_types=frozenset({"video/mp4", "video/quicktime"}),
    max_video_bytes=512 * MB,
    min_video_seconds=0.5,
    max_video_seconds=140,
    min_aspect=1 / 3,
    max_aspect=3.0,
)
MAX_GIF_BYTES = 15 * MB
CATEGORY = {"image": "tweet_image", "gif": "tweet_gif", "video": "tweet_video"}


class XConnector(ApiConnector):
    platform: ClassVar[str] = Platform.X
    capabilities: ClassVar[Capabilities] = Capabilities(
        can_find_published=True,
        threads=True,
        first_comment=True,
        notes=("X has no idempotency key: a post whose answer was lost is looked for among your recent posts.",),
    )
    # Access tokens last two hours: refreshed in their second hour, six sweeps before they end.
    refresh_ahead: ClassVar[timedelta] = timedelta(hours=1)
    # Video processing: X says when to check again (`check_after_secs`); a video of up to 140 s is processed in
    # minutes.
    patience: ClassVar[Patience] = Patience(first=5.0, longest=60.0, most=15 * 60.0, inline=5.0)

    def oauth_app(self, client_id: str, client_secret: str) -> OAuth2App:
        return OAuth2App(client_id, client_secret, authorize_url=AUTHORIZE_URL, token_url=TOKEN_URL, scopes=SCOPES)

    def identify(self, tokens: TokenSet) -> Identity:
        me = self.data(self.request("GET", f"{API}/users/me", headers=_bearer(tokens.access_token))).get("data")
        if not isinstance(me, dict) or not me.get("id") or not me.get("username"):
            raise PermanentError("X did not say which account signed in.")
        return Identity(external_id=str(me["id"]), handle=f"@{me['username']}", display_name=me.get("name", ""))

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        text = full_text(content)
        problems = thread.comment_problems(self.platform, content.first_comment)
        if content.parts:
            return problems + thread.hand_thread_problems(
                self.platform, content, text, media_check=self._media_problems
            )
        if text.strip() or not content.media:  # X takes a post of media alone
            problems += [p for part in thread_parts(self.platform, text) for p in text_problems(self.platform, part)]
            problems += thread_problems(self.platform, text)
        return list(dict.fromkeys(problems + self._media_problems(content.media)))

    def _media_problems(self, media: tuple[MediaItem, ...]) -> list[str]:
        gifs = [m for m in media if m.kind == "gif"]
        if not gifs:
            return media_problems(self.label, MEDIA_RULES, media)
        problems = [] if len(media) == 1 else ["X takes an animated GIF only on its own, without other media."]
        for gif in gifs:
            if gif.size_bytes > MAX_GIF_BYTES:
                problems.append(
                    f"{gif.path.rsplit('/', 1)[-1]} is {gif.size_bytes / MB:.1f} MB; X takes GIFs up to 15 MB."
                )
        return problems

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        headers = _bearer(account.access_token)
        posts = thread.pieces(self.platform, content, full_text(content))
        # Every file is uploaded (and processed) before anything is public, so a failed upload leaves nothing to
        # finish by hand.
        media_ids = self._media(posts, headers, content.progress)
        done: list[Published] = []
        for index, (piece, ids) in enumerate(zip(posts, media_ids, strict=True)):
            extra = post_options(content) if index == 0 else {}
            try:
                reply_to = done[-1] if done else None
                done.append(self._post(account, headers, piece.text, ids, reply_to=reply_to, extra=extra))
            except PublishFailure as error:
                if done:
                    raise self.partial_thread(done, len(posts), error) from None
                raise
        return thread.with_comment(
            self.label,
            done[0],
            content.first_comment,
            lambda first: self._post(account, headers, content.first_comment.strip(), [], reply_to=first),
        )

    def _post(
        self,
        account: SocialAccount,
        headers: dict[str, str],
        text: str,
        media_ids: list[str],
        *,
        reply_to: Published | None,
        extra: dict[str, Any] | None = None,
    ) -> Published:
        body: dict[str, Any] = ({"text": text} if text else {}) | (extra or {})
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        if reply_to is not None:
            body["reply"] = {"in_reply_to_tweet_id": reply_to.external_id}
        response = self.request("POST", f"{API}/tweets", json=body, headers=headers, sends=True)
        tweet_id = str((self.data(response).get("data") or {}).get("id", ""))
        return Published(tweet_id, f"https://x.com/{account.handle.lstrip('@')}/status/{tweet_id}")

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: datetime | None
    ) -> Published | None:
        """The post (and the thread's replies) among the account's posts since the send.

        User Posts timeline, GET /2/users/:id/tweets (https://docs.x.com/x-api/users/get-posts; paging with
        `meta.next_token` as `pagination_token`: https://docs.x.com/x-api/posts/timelines/integrate). X answers
        `text` with links as t.co links and &, <, > escaped, and a media link appended: so the text is matched
        unescaped, without links, whitespace collapsed; the first post also by its number of media
        (`attachments.media_keys`), each reply by the post it replies to (`referenced_tweets` "replied_to").
        """
        headers = _bearer(account.access_token)
        since = lookup.cutoff(sent_after)
        params = {"max_results": "100", "tweet.fields": "created_at,attachments,referenced_tweets,note_tweet"}
        if since is not None:
            params["start_time"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        def page(cursor: str) -> tuple[list[lookup.Seen], str]:
            query = params | ({"pagination_token": cursor} if cursor else {})
            response = self.request("GET", f"{API}/users/{account.external_id}/tweets", params=query, headers=headers)
            data = self.data(response)
            posts = [_seen(post, account) for post in data.get("data") or [] if isinstance(post, dict)]
            return posts, str((data.get("meta") or {}).get("next_token") or "")

        parts = [piece.text for piece in thread.pieces(self.platform, content, full_text(content))]
        listing = lookup.recent(page, since=since)
        found = lookup.resolve(self.label, listing, parts, shape=str(len(content.media)))
        return None if found is None else lookup.with_comment_found(self.label, found, listing, content.first_comment)

    def _media(
        self, posts: list[thread.Piece], headers: dict[str, str], progress: Mapping[str, Any]
    ) -> list[list[str]]:
        """Every file of every post uploaded once, then awaited while X processes it: a check handed back
        (`waiting`) resumes from the media ids (one list per post), which X keeps for a day, instead of uploading
        again."""
        media_ids = [[str(m) for m in ids] for ids in progress.get("media_ids") or []]
        pending = [str(m) for m in progress.get("pending") or []]
        if not media_ids:
            for piece in posts:
                ids: list[str] = []
                for item in piece.media:
                    media_id, info = self._upload(item, headers)
                    ids.append(media_id)
                    if _processing(info):
                        pending.append(media_id)
                media_ids.append(ids)
        if pending:

            def check() -> bool | NotYet:
                after = None
                for media_id in list(pending):
                    info = self._status(media_id, headers)
                    if not _processing(info):
                        pending.remove(media_id)
                    else:
                        after = float(info.get("check_after_secs") or self.patience.first)
                return True if not pending else NotYet(after)

            made = {"media_ids": media_ids, "pending": pending}
            until_ready(check, patience=self.patience, progress=progress, made=made, label=self.label, what="the media")
        for ids, piece in zip(media_ids, posts, strict=True):
            for media_id, item in zip(ids, piece.media, strict=True):
                if item.alt_text and item.kind != "video":
                    metadata = {"id": media_id, "metadata": {"alt_text": {"text": item.alt_text[:1000]}}}
                    self.request("POST", f"{API}/media/metadata", json=metadata, headers=headers)
        return media_ids

    def _upload(self, item: MediaItem, headers: dict[str, str]) -> tuple[str, Any]:
        """Initialize, append chunk by chunk from the file, finalize; nothing is public until the post.

        https://docs.x.com/x-api/media/quickstart/media-upload-chunked; the answer's `processing_info` says
        whether X processes the file before it can be posted."""
        size = stored_size(item)
        init = {"media_type": item.mime_type, "total_bytes": size, "media_category": CATEGORY[item.kind]}
        response = self.request("POST", f"{API}/media/upload/initialize", json=init, headers=headers)
        media_id = str((self.data(response).get("data") or {}).get("id", ""))
        with open_stored(item) as handle:
            for segment in range(max(1, -(-size // CHUNK_BYTES))):
                start = segment * CHUNK_BYTES
                chunk = FileRange(handle, start, min(CHUNK_BYTES, size - start))
                files = {"media": ("chunk", chunk, "application/octet-stream")}
                self.request(
                    "POST",
                    f"{API}/media/upload/{media_id}/append",
                    data={"segment_index": segment},
                    files=files,
                    headers=headers,
                    timeout=upload_timeout(),
                )
        response = self.request("POST", f"{API}/media/upload/{media_id}/finalize", headers=headers)
        return media_id, (self.data(response).get("data") or {}).get("processing_info")

    def _status(self, media_id: str, headers: dict[str, str]) -> Any:
        params = {"command": "STATUS", "media_id": media_id}
        response = self.request("GET", f"{API}/media/upload", params=params, headers=headers)
        return (self.data(response).get("data") or {}).get("processing_info")

    def failure(self, response: httpx.Response) -> PublishFailure:
        """X's problem types (https://docs.x.com/x-api/fundamentals/response-codes-and-errors, "Problem types"):
        `client-forbidden` (403) and `usage-capped` (429) are the operator's app, not the user's sign-in."""
        message = f"X answered {response.status_code}: {self.error_message(response)}"
        problem = str(self.data(response).get("type", "")).rsplit("/", 1)[-1]
        if problem == "client-forbidden":
            operator_problem(self.platform, problem, status=response.status_code)
            return PermanentError(
                f"{message} This server's X app lacks the API access this needs (X: client-forbidden); the "
                "server's operator must change the app in the X developer portal. Reconnecting will not help."
            )
        if problem == "usage-capped":
            # The app's monthly post cap is spent: retrying before the cap resets only repeats the refusal.
            operator_problem(self.platform, problem, status=response.status_code)
            return PermanentError(
                f"{message} This server's X app has used up its posting allowance (X: usage-capped); the "
                "server's operator must raise it. Not retried."
            )
        if response.status_code == 403:
            # X answers 403 for content it refuses (a duplicate post, a reply it does not allow), which
            # reconnecting cannot fix.
            return PermanentError(message)
        if response.status_code == 401:
            return ReauthRequired("X no longer accepts this account's sign-in; reconnect it.")
        return super().failure(response)

    def error_message(self, response: httpx.Response) -> str:
        data = self.data(response)
        errors = data.get("errors")
        if not data.get("detail") and isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or "")
        return super().error_message(response)

    def retry_after(self, response: httpx.Response) -> float:
        reset = response.headers.get("x-rate-limit-reset")
        if reset and reset.isdigit():
            return min(max(int(reset) - time.time(), 1.0), MAX_RETRY_AFTER)
        return retry_after_seconds(response.headers.get("Retry-After"))


def _processing(info: Any) -> bool:
    """Whether X is still processing a file, from its `processing_info` (pending, in_progress, then succeeded or
    failed; none at all for a file that needs no processing): a failure is final."""
    if not isinstance(info, dict) or info.get("state") in (None, "succeeded"):
        return False
    if info.get("state") == "failed":
        error = info.get("error") or {}
        raise PermanentError(f"X could not process the media: {error.get('message') or error.get('name')}")
    return True


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _seen(post: dict[str, Any], account: SocialAccount) -> lookup.Seen:
    # A long post (X Premium) has its full text in `note_tweet`; `text` is then cut short.
    text = str((post.get("note_tweet") or {}).get("text") or post.get("text") or "")
    replied_to = [r for r in post.get("referenced_tweets") or [] if r.get("type") == "replied_to"]
    tweet_id = str(post.get("id", ""))
    return lookup.Seen(
        id=tweet_id,
        text=html.unescape(text),
        created=lookup.parsed_time(post.get("created_at")),
        url=f"https://x.com/{account.handle.lstrip('@')}/status/{tweet_id}",
        shape=str(len((post.get("attachments") or {}).get("media_keys") or [])),
        parent=str(replied_to[0].get("id", "")) if replied_to else "",
    )


def post_options(content: Content) -> dict[str, str]:
    """Who may reply, as POST /2/tweets `reply_settings` (https://docs.x.com/x-api/posts/create-post); left out
    for everyone, X's default. Set on the first post, which holds the conversation."""
    chosen = options_for(XOptions, content.options).reply_settings
    return {} if chosen == "everyone" else {"reply_settings": chosen}
