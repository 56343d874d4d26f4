"""Threads (graph.threads.net): text, images, a video or a carousel, and threads of posts as a chain of replies.

- Connect: Threads OAuth; the short-lived token is exchanged for a 60-day one, refreshed with
  GET /refresh_access_token a week before it expires. There is no refresh token: the access token refreshes itself,
  once it is at least 24 hours old and while it has not expired ("Get Started" > "Long-Lived Tokens",
  https://developers.facebook.com/docs/threads/get-started/long-lived-tokens).
- Publish: a container (POST /{user-id}/threads; `reply_to_id` for each later post of a thread, and for the first
  comment, a reply to the first post), checked until FINISHED (without holding a worker meanwhile: `waiting`), then
  POST /{user-id}/threads_publish; a carousel's item containers are each awaited first. Meta fetches media from
  `TIDINGS_PUBLIC_URL`. Replies: https://developers.facebook.com/docs/threads/retrieve-and-manage-replies/create-replies
  https://developers.facebook.com/docs/threads/posts
- No idempotency key: after a lost answer to threads_publish the post is looked for among the account's posts since
  the send (`find_published`, GET /{user-id}/threads).
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from tidings.platforms.base import (
    Capabilities,
    Content,
    Identity,
    PermanentError,
    Published,
    PublishFailure,
    ReauthRequired,
    StillProcessing,
    TokenSet,
    TransientError,
)
from tidings.platforms.connectors import lookup, thread
from tidings.platforms.connectors.api import full_text, thread_parts, thread_problems
from tidings.platforms.connectors.meta import (
    GraphConnector,
    meta_app,
    next_page,
    public_media_url,
    public_url_problems,
)
from tidings.platforms.connectors.oauth2 import OAuth2App, token_set
from tidings.platforms.media import MB, MediaItem, MediaRules, media_problems
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.rules import text_problems

HOST = "https://graph.threads.net"
API = f"{HOST}/v1.0"
AUTHORIZE_URL = "https://threads.net/oauth/authorize"
SCOPES = ("threads_basic", "threads_content_publish")
# A long-lived token lasts 60 days from its exchange or refresh, and can be refreshed once a day old.
TOKEN_LIFETIME = timedelta(days=60)
MIN_TOKEN_AGE = timedelta(hours=24)

# https://developers.facebook.com/docs/threads/posts#media-specifications: images JPEG or PNG up to 8 MB; video MP4
# or MOV up to 1 GB and 5 minutes, aspect 0.01:1 to 10:1; a carousel has 2 to 20 items.
MEDIA_RULES = MediaRules(
    max_items=20,
    image_types=frozenset({"image/jpeg", "image/png"}),
    max_image_bytes=8 * MB,
    video_types=frozenset({"video/mp4", "video/quicktime"}),
    max_video_bytes=1024 * MB,
    max_videos=20,
    mixed=True,
    max_video_seconds=300,
    min_aspect=0.01,
    max_aspect=10.0,
)


class ThreadsConnector(GraphConnector):
    platform: ClassVar[str] = Platform.THREADS
    capabilities: ClassVar[Capabilities] = Capabilities(
        can_find_published=True,
        threads=True,
        first_comment=True,
        notes=("Threads has no idempotency key: a post whose answer was lost is looked for among your recent posts.",),
    )
    refresh_ahead: ClassVar[timedelta] = timedelta(days=7)
    refreshes_with_access_token: ClassVar[bool] = True

    def oauth_app(self, client_id: str, client_secret: str) -> OAuth2App:
        return meta_app(
            client_id, client_secret, authorize_url=AUTHORIZE_URL, token_url=f"{HOST}/oauth/access_token", scopes=SCOPES
        )

    def exchange_code(self, *, code: str, redirect_uri: str, session_data: dict[str, str]) -> TokenSet:
        """The short-lived token, swapped for a 60-day one."""
        short = super().exchange_code(code=code, redirect_uri=redirect_uri, session_data=session_data)
        params = {
            "grant_type": "th_exchange_token",
            "client_secret": self.configured_app().client_secret,
            "access_token": short.access_token,
        }
        return token_set(self.data(self.request("GET", f"{HOST}/access_token", params=params)))

    def identify(self, tokens: TokenSet) -> Identity:
        me_params = {"fields": "id,username,name", "access_token": tokens.access_token}
        me = self.data(self.request("GET", f"{API}/me", params=me_params))
        if not me.get("id"):
            raise PermanentError("Threads did not say which account signed in.")
        handle = f"@{me.get('username') or me['id']}"
        return Identity(external_id=str(me["id"]), handle=handle, display_name=str(me.get("name") or ""))

    def can_refresh(self, account: SocialAccount, *, now: datetime) -> bool:
        return bool(account.access_token) and _refusal(account, now) == ""

    def refresh_credentials(self, account: SocialAccount) -> TokenSet:
        """A long-lived token at least a day old is swapped for a fresh 60-day one; an expired one cannot be."""
        refusal = _refusal(account, datetime.now(tz=UTC))
        if refusal == "expired":
            raise ReauthRequired("The Threads sign-in expired and cannot be renewed; reconnect it.", refreshable=False)
        if refusal == "too young":
            raise TransientError("Threads renews a sign-in only once it is a day old; it will be renewed later.")
        params = {"grant_type": "th_refresh_token", "access_token": account.access_token}
        try:
            response = self.request("GET", f"{HOST}/refresh_access_token", params=params)
        except PermanentError as error:
            raise ReauthRequired(error.message) from None
        return token_set(self.data(response))

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        text = full_text(content)
        problems = thread.comment_problems(self.platform, content.first_comment)
        if content.parts:
            problems += thread.hand_thread_problems(
                self.platform, content, text, media_check=lambda media: media_problems(self.label, MEDIA_RULES, media)
            )
        elif text.strip() or not content.media:
            problems += [p for part in thread_parts(self.platform, text) for p in text_problems(self.platform, part)]
            problems += thread_problems(self.platform, text)
        if not content.parts:
            problems += media_problems(self.label, MEDIA_RULES, content.media)
        if content.media or any(part.media for part in content.parts):
            problems += public_url_problems(self.label)
        return list(dict.fromkeys(problems))

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        """Each post's container is made once: a check handed back while Meta processes it resumes from its id,
        after the posts of the thread already out (`done`); the first comment is a reply to the first post."""
        progress = content.progress
        posts = thread.pieces(self.platform, content, full_text(content))
        done = [Published(str(post_id), str(url)) for post_id, url in progress.get("done") or []]
        for piece in posts[len(done) :]:
            try:
                reply_to = done[-1].external_id if done else ""
                done.append(
                    self._post(account, piece.text, piece.media, reply_to=reply_to, progress=progress, done=done)
                )
            except StillProcessing:
                raise
            except PublishFailure as error:
                if done:
                    raise self.partial_thread(done, len(posts), error) from None
                raise
            progress = {}
        comment = content.first_comment.strip()
        return thread.with_comment(
            self.label,
            done[0],
            comment,
            lambda first: self._post(account, comment, (), reply_to=first.external_id, progress=progress, done=done),
        )

    def _post(
        self,
        account: SocialAccount,
        text: str,
        media: tuple[MediaItem, ...],
        *,
        reply_to: str,
        progress: Mapping[str, Any],
        done: list[Published],
    ) -> Published:
        """One post (or the comment) published; `progress` is what a handed-back check of it left, if anything."""
        user, token = account.external_id, account.access_token
        so_far = {"done": [[p.external_id, p.url] for p in done]}
        container = str(progress.get("container") or "")
        if not container:
            container = self._container(user, token, text, media, reply_to=reply_to, progress=progress, made=so_far)
        self.await_containers(
            [f"{API}/{container}"],
            token=token,
            field="status",
            error_field="error_message",
            progress=progress,
            made=so_far | {"container": container},
        )
        data = {"creation_id": container, "access_token": token}
        response = self.request("POST", f"{API}/{user}/threads_publish", data=data, sends=True)
        post_id = str(self.data(response).get("id", ""))
        return Published(post_id, self.permalink(f"{API}/{post_id}", token=token))

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: datetime | None
    ) -> Published | None:
        """The post among the account's posts since the send, matched by its text (links removed, whitespace
        collapsed) and `media_type` (TEXT_POST, IMAGE, VIDEO, CAROUSEL_ALBUM).

        GET /{threads-user-id}/threads with `fields`, `since` (Unix time) and `limit` (at most 100), then
        `paging.next` while it is there: https://developers.facebook.com/docs/threads/reference/user and
        "Retrieve a List of All a User's Threads" in https://developers.facebook.com/docs/threads/threads-media.
        Replies are not in that list (reading them needs `threads_read_replies`, which we do not ask for), so a
        thread whose first post is found stays for the user to confirm.
        """
        since = lookup.cutoff(sent_after)
        params = {
            "fields": "id,text,timestamp,permalink,media_type",
            "limit": "100",
            "access_token": account.access_token,
        }
        if since is not None:
            params["since"] = str(int(since.timestamp()))

        def page(following: str) -> tuple[list[lookup.Seen], str]:
            # The next page's address carries the query (token included) itself.
            url, query = (following, None) if following else (f"{API}/{account.external_id}/threads", params)
            data = self.data(self.request("GET", url, params=query))
            posts = [_seen(post) for post in data.get("data") or [] if isinstance(post, dict)]
            return posts, next_page(data, host=HOST)

        parts = [piece.text for piece in thread.pieces(self.platform, content, full_text(content))]
        shape = lookup.media_shape(content.media)
        listing = lookup.recent(page, since=since)
        found = lookup.resolve(self.label, listing, parts, shape=shape, sees_replies=False)
        # The first comment is a reply, which this listing does not show.
        return None if found is None else thread.comment_unchecked(self.label, found, content.first_comment)

    def _container(
        self,
        user: str,
        token: str,
        text: str,
        media: tuple[MediaItem, ...],
        *,
        reply_to: str,
        progress: Mapping[str, Any],
        made: dict[str, Any],
    ) -> str:
        params = {"text": text} if text else {}
        if reply_to:
            params["reply_to_id"] = reply_to
        if len(media) > 1:
            params |= {"media_type": "CAROUSEL", "children": ",".join(self._items(user, token, media, progress, made))}
        elif media:
            params |= _media_params(media[0])
        else:
            params["media_type"] = "TEXT"
        return self._create(user, token, params)

    def _items(
        self, user: str, token: str, media: tuple[MediaItem, ...], progress: Mapping[str, Any], made: dict[str, Any]
    ) -> list[str]:
        """A carousel's item containers, made once and each awaited until FINISHED before the carousel names them:
        a video item is processed first ("Carousel Posts", https://developers.facebook.com/docs/threads/posts#carousel-posts:
        2 to 20 images, videos or a mix)."""
        children = [str(c) for c in progress.get("children") or []] or [
            self._create(user, token, _media_params(item) | {"is_carousel_item": "true"}) for item in media
        ]
        urls = [f"{API}/{child}" for child in children]
        self.await_containers(
            urls,
            token=token,
            field="status",
            error_field="error_message",
            progress=progress,
            made=made | {"children": children},
        )
        return children

    def _create(self, user: str, token: str, params: dict[str, str]) -> str:
        return self.create_container(f"{API}/{user}/threads", token=token, params=params)


def _refusal(account: SocialAccount, now: datetime) -> str:
    """Why Meta would refuse to refresh this token now: "expired", "too young", or "" when it would not."""
    expires = account.token_expires_at
    if expires is None:
        return ""
    if expires <= now:
        return "expired"
    return "too young" if now - (expires - TOKEN_LIFETIME) < MIN_TOKEN_AGE else ""


def _seen(post: dict[str, object]) -> lookup.Seen:
    shape = str(post.get("media_type") or "")
    return lookup.Seen(
        id=str(post.get("id", "")),
        text=str(post.get("text") or ""),
        created=lookup.parsed_time(post.get("timestamp")),
        url=str(post.get("permalink") or ""),
        shape="TEXT" if shape == "TEXT_POST" else shape,
    )


def _media_params(item: MediaItem) -> dict[str, str]:
    if item.kind == "video":
        return {"media_type": "VIDEO", "video_url": public_media_url(item)}
    params = {"media_type": "IMAGE", "image_url": public_media_url(item)}
    return params | ({"alt_text": item.alt_text} if item.alt_text else {})
