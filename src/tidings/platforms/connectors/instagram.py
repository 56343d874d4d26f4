"""Instagram (Graph API, professional accounts linked to a Facebook Page): images, carousels and reels.

- Connect: Facebook Login; each Instagram professional account linked to a Page the person manages
  (`instagram_business_account`, their own Pages and their businesses') is a choice, posting with that Page's
  token, which does not expire.
- Publish: Meta fetches every file from our server, so the media must be reachable at `TIDINGS_PUBLIC_URL` over
  https. A container is made (POST /{ig-user-id}/media), checked until FINISHED (waiting without holding a worker:
  `waiting`), then published (POST /{ig-user-id}/media_publish). A carousel is a container of up to 10 item
  containers (images and videos mixed), made once every item is FINISHED.
  https://developers.facebook.com/docs/instagram-platform/content-publishing
- A first comment: POST /{ig-media-id}/comments (`message`), which needs `instagram_manage_comments`
  (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments,
  "Creating"); an account connected before Tidings asked for it gets the post without the comment, and the reason.
- No idempotency key: after a lost answer to media_publish the post is looked for among the account's media since
  the send (`find_published`). Everything before it (containers) is invisible, so failures there are retried safely.
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
    RateLimited,
    TokenSet,
)
from tidings.platforms.connectors import lookup, thread
from tidings.platforms.connectors.api import full_text
from tidings.platforms.connectors.meta import (
    GRAPH,
    GRAPH_HOST,
    PageLoginConnector,
    PublishingLimit,
    next_page,
    public_media_url,
    public_url_problems,
)
from tidings.platforms.media import MB, MediaItem, MediaRules, media_problems
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.rules import text_problems

# https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
# Images: JPEG, 8 MB, aspect 4:5 to 1.91:1. Reels: MP4 or MOV, 3 s to 15 min, 300 MB, aspect 0.01:1 to 10:1.
MEDIA_RULES = MediaRules(
    max_items=10,
    image_types=frozenset({"image/jpeg"}),
    max_image_bytes=8 * MB,
    video_types=frozenset({"video/mp4", "video/quicktime"}),
    max_video_bytes=300 * MB,
    max_videos=10,
    mixed=True,
    min_video_seconds=3,
    max_video_seconds=15 * 60,
    min_aspect=0.01,
    max_aspect=10.0,
    requires_media=True,
)
IMAGE_ASPECT = (4 / 5, 1.91)
# Instagram counts API-published posts over a moving 24 hours.
WINDOW = timedelta(hours=24)


class InstagramConnector(PageLoginConnector):
    platform: ClassVar[str] = Platform.INSTAGRAM
    capabilities: ClassVar[Capabilities] = Capabilities(
        can_find_published=True,
        first_comment=True,
        notes=(
            "Instagram has no idempotency key: a post whose answer was lost is looked for among your recent posts.",
        ),
    )
    scopes: ClassVar[tuple[str, ...]] = (
        "instagram_basic",
        "instagram_content_publish",
        "instagram_manage_comments",
        "pages_show_list",
        "pages_read_engagement",
    )

    # Publishing through a Page role given in Business Manager also needs `business_management` and one of
    # `ads_management` / `ads_read` (the lesser): "Requirements" of
    # https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media_publish
    business_scopes: ClassVar[tuple[str, ...]] = ("business_management", "ads_read")

    def connect_choices(
        self, *, code: str, redirect_uri: str, session_data: dict[str, str]
    ) -> list[tuple[Identity, TokenSet]]:
        found: dict[str, tuple[Identity, TokenSet]] = {}
        for page in self.pages(code=code, redirect_uri=redirect_uri, session_data=session_data):
            ig = page.get("instagram_business_account")
            if isinstance(ig, dict) and ig.get("id") and str(ig["id"]) not in found:
                options = {"kind": "professional", "page_id": str(page["id"])}
                via = f"Linked to the Page {page.get('name') or page['id']}"
                options["via"] = f"{via} ({page['via']})" if page.get("via") else via
                identity = Identity(
                    external_id=str(ig["id"]),
                    handle=f"@{ig.get('username') or ig['id']}",
                    display_name=str(ig.get("name") or ""),
                    options=options,
                )
                found[str(ig["id"])] = (identity, TokenSet(str(page["access_token"])))
        if found:
            return list(found.values())
        raise PermanentError(
            "None of this person's Facebook Pages has an Instagram professional account linked; link one in the "
            "Instagram app (Settings, Account type and tools) and connect again."
        )

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        caption = full_text(content)
        problems = text_problems(self.platform, caption) if caption.strip() else []
        problems += thread.comment_problems(self.platform, content.first_comment)
        problems += media_problems(self.label, MEDIA_RULES, content.media)
        for item in content.media:
            if item.kind != "video" and item.width and item.height:
                low, high = IMAGE_ASPECT
                if not low - 1e-3 <= item.width / item.height <= high + 1e-3:
                    problems.append(
                        f"{item.path.rsplit('/', 1)[-1]} is {item.width}x{item.height}; Instagram takes images "
                        "from 4:5 (portrait) to 1.91:1 (landscape)."
                    )
        if content.media:
            problems += public_url_problems(self.label)
        return problems

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        """Containers are made once: a check handed back while Meta processes them resumes from their ids."""
        user, token, progress = account.external_id, account.access_token, content.progress
        caption = full_text(content)
        container = str(progress.get("container") or "")
        if not container and len(content.media) == 1:
            container = self._container(user, token, content.media[0], caption=caption)
        elif not container:
            # Meta processes the items (a video takes a while) in parallel, and refuses a carousel whose items are
            # not FINISHED ("Carousel Posts", step 2, in
            # https://developers.facebook.com/docs/instagram-platform/content-publishing).
            children = [str(c) for c in progress.get("children") or []] or [
                self._container(user, token, item, carousel_item=True) for item in content.media
            ]
            self._await([f"{GRAPH}/{child}" for child in children], token, progress, {"children": children})
            params = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption}
            container = self._create(user, token, params)
        self._await([f"{GRAPH}/{container}"], token, progress, {"container": container})
        data = {"creation_id": container, "access_token": token}
        try:
            response = self.request("POST", f"{GRAPH}/{user}/media_publish", data=data, sends=True)
        except PublishingLimit as limit:
            raise RateLimited(
                f"{limit.message} It will be published when the 24-hour window frees a place.",
                retry_after=self._window_frees_in(account),
            ) from None
        media_id = str(self.data(response).get("id", ""))
        if not media_id:
            raise PermanentError("Instagram published without saying the post's id.")
        published = Published(media_id, self.permalink(f"{GRAPH}/{media_id}", token=token))
        comment = content.first_comment.strip()

        def post_comment(_: Published) -> None:
            data = {"message": comment, "access_token": token}
            self.request("POST", f"{GRAPH}/{media_id}/comments", data=data, sends=True)

        return thread.with_comment(self.label, published, comment, post_comment)

    def _window_frees_in(self, account: SocialAccount) -> float:
        """Seconds until the oldest post of the last 24 hours leaves Instagram's moving publishing window ("Rate
        Limit" in https://developers.facebook.com/docs/instagram-platform/content-publishing): the account's media
        since a day ago, oldest last; an hour when they cannot be read."""
        now = datetime.now(tz=UTC)
        params = {
            "fields": "timestamp",
            "since": str(int((now - WINDOW).timestamp())),
            "limit": "100",
            "access_token": account.access_token,
        }
        try:
            data = self.data(self.request("GET", f"{GRAPH}/{account.external_id}/media", params=params))
        except PublishFailure:
            return 3600.0
        times = [lookup.parsed_time(post.get("timestamp")) for post in data.get("data") or [] if isinstance(post, dict)]
        oldest = min((t for t in times if t is not None and t > now - WINDOW), default=None)
        if oldest is None:
            return 3600.0
        return min(max((oldest + WINDOW - now).total_seconds() + 60, 60.0), WINDOW.total_seconds())

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: datetime | None
    ) -> Published | None:
        """The post among the account's media since the send, matched by caption (links removed, whitespace
        collapsed) and `media_type` (IMAGE, VIDEO for reels, CAROUSEL_ALBUM).

        GET /{ig-user-id}/media lists the newest first, with `paging.next` while more remain:
        https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
        (Reading); the fields are IG Media's (https://developers.facebook.com/docs/instagram-api/reference/media).
        """
        params = {
            "fields": "id,caption,timestamp,permalink,media_type",
            "limit": "50",
            "access_token": account.access_token,
        }

        def page(following: str) -> tuple[list[lookup.Seen], str]:
            url, query = (following, None) if following else (f"{GRAPH}/{account.external_id}/media", params)
            data = self.data(self.request("GET", url, params=query))
            posts = [_seen(post) for post in data.get("data") or [] if isinstance(post, dict)]
            return posts, next_page(data, host=GRAPH_HOST)

        listing = lookup.recent(page, since=lookup.cutoff(sent_after))
        found = lookup.resolve(self.label, listing, [full_text(content)], shape=lookup.media_shape(content.media))
        return None if found is None else thread.comment_unchecked(self.label, found, content.first_comment)

    def _container(
        self, user: str, token: str, item: MediaItem, *, caption: str = "", carousel_item: bool = False
    ) -> str:
        url = public_media_url(item)
        if item.kind == "video":
            # Single videos are published as reels; carousel videos keep the VIDEO type.
            params = {"media_type": "VIDEO" if carousel_item else "REELS", "video_url": url}
        else:
            params = {"image_url": url} | ({"alt_text": item.alt_text} if item.alt_text else {})
        if carousel_item:
            params["is_carousel_item"] = "true"
        elif caption:
            params["caption"] = caption
        return self._create(user, token, params)

    def _create(self, user: str, token: str, params: dict[str, str]) -> str:
        return self.create_container(f"{GRAPH}/{user}/media", token=token, params=params)

    def _await(self, urls: list[str], token: str, progress: Mapping[str, Any], made: dict[str, Any]) -> None:
        self.await_containers(
            urls, token=token, field="status_code", error_field="status", progress=progress, made=made
        )


def _seen(post: dict[str, object]) -> lookup.Seen:
    return lookup.Seen(
        id=str(post.get("id", "")),
        text=str(post.get("caption") or ""),
        created=lookup.parsed_time(post.get("timestamp")),
        url=str(post.get("permalink") or ""),
        shape=str(post.get("media_type") or ""),
    )
