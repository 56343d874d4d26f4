"""Facebook Pages (Graph API): text and link posts, photos and a video on a Page the person manages.

- Connect: Facebook Login, exchanged for a long-lived user token, whose Page tokens do not expire. Each Page the
  person manages (their own and their businesses', see `PageLoginConnector.pages`) is a choice; each Page picked
  is its own account, posting with its own Page token.
- Publish: POST /{page-id}/feed (message, link), /{page-id}/photos, /{page-id}/videos.
  https://developers.facebook.com/docs/pages-api/posts
- A first comment: POST /{post-id}/comments (`message`) with the Page token, as the Page; it needs
  `pages_manage_engagement` ("Comments" in https://developers.facebook.com/docs/pages-api/comments-mentions), so a
  Page connected before Tidings asked for it gets the post without the comment, and the reason, until reconnected.
- The Graph API takes no idempotency key: after a lost answer the post is looked for among the Page's posts since
  the send (`find_published`, GET /{page-id}/posts).
"""

import json
from datetime import datetime
from typing import IO, Any, ClassVar

from tidings.platforms.base import (
    Capabilities,
    Content,
    Identity,
    OutcomeUnknown,
    PermanentError,
    Published,
    TokenSet,
)
from tidings.platforms.connectors import lookup, thread
from tidings.platforms.connectors.api import open_stored, upload_timeout
from tidings.platforms.connectors.meta import GRAPH, GRAPH_HOST, GRAPH_VERSION, PageLoginConnector, next_page
from tidings.platforms.media import MB, MediaItem, MediaRules, media_problems
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.rules import text_problems

VIDEO_GRAPH = f"https://graph-video.facebook.com/{GRAPH_VERSION}"

# Photos: https://developers.facebook.com/docs/graph-api/reference/page/photos/ (JPEG, PNG, GIF, BMP, TIFF; 10 MB).
# Video, single-request upload: https://developers.facebook.com/docs/video-api/guides/publishing (1 GB, 20 min).
MEDIA_RULES = MediaRules(
    max_items=10,
    image_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}),
    max_image_bytes=10 * MB,
    video_types=frozenset({"video/mp4", "video/quicktime"}),
    max_video_bytes=1024 * MB,
    max_video_seconds=20 * 60,
)


class FacebookConnector(PageLoginConnector):
    platform: ClassVar[str] = Platform.FACEBOOK
    capabilities: ClassVar[Capabilities] = Capabilities(
        can_find_published=True,
        first_comment=True,
        notes=("Facebook has no idempotency key: a post whose answer was lost is looked for among the Page's posts.",),
    )
    scopes: ClassVar[tuple[str, ...]] = (
        "pages_show_list",
        "pages_manage_posts",
        "pages_read_engagement",
        "pages_manage_engagement",
    )

    def connect_choices(
        self, *, code: str, redirect_uri: str, session_data: dict[str, str]
    ) -> list[tuple[Identity, TokenSet]]:
        pages = self.pages(code=code, redirect_uri=redirect_uri, session_data=session_data)
        if not pages:
            raise PermanentError(
                "This Facebook account manages no Page, or did not allow Tidings to use one: create a Page or ask "
                "its admin for a role on it (or, in Facebook's dialog, allow the Page), then connect again."
            )
        return [_choice(page) for page in pages]

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        problems = thread.comment_problems(self.platform, content.first_comment)
        problems += media_problems(self.label, MEDIA_RULES, content.media)
        if content.text.strip() or not (content.media or content.link):
            problems = text_problems(self.platform, content.text) + problems
        return problems

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        comment, token = content.first_comment.strip(), account.access_token

        def post_comment(published: Published) -> None:
            data = {"message": comment, "access_token": token}
            self.request("POST", f"{GRAPH}/{published.external_id}/comments", data=data, sends=True)

        return thread.with_comment(self.label, self._post(account, content), comment, post_comment)

    def _post(self, account: SocialAccount, content: Content) -> Published:
        page, token = account.external_id, account.access_token
        media = content.media
        # A link card and attached media do not go together: with media, the link goes into the text.
        message = content.text if not media or not content.link else f"{content.text}\n\n{content.link}".strip()
        if media and media[0].kind == "video":
            data = {"description": message, "access_token": token}
            # Streamed from the file in blocks (a video may be 1 GB): the single-request upload of
            # https://developers.facebook.com/docs/video-api/guides/publishing ("Upload a Video").
            with open_stored(media[0]) as handle:
                response = self.request(
                    "POST",
                    f"{VIDEO_GRAPH}/{page}/videos",
                    data=data,
                    files=_source(media[0], handle),
                    sends=True,
                    timeout=upload_timeout(),
                )
            video_id = str(self.data(response).get("id", ""))
            return Published(video_id, f"https://www.facebook.com/{page}/videos/{video_id}")
        if len(media) == 1:
            data = {"message": message, "access_token": token} | _alt(media[0])
            with open_stored(media[0]) as handle:
                files = _source(media[0], handle)
                response = self.request(
                    "POST", f"{GRAPH}/{page}/photos", data=data, files=files, sends=True, timeout=upload_timeout()
                )
            body = self.data(response)
            post_id = str(body.get("post_id") or body.get("id", ""))
            return Published(post_id, f"https://www.facebook.com/{post_id}")
        form = {"message": message, "access_token": token}
        if content.link and not media:
            form["link"] = content.link
        for index, item in enumerate(media):
            form[f"attached_media[{index}]"] = json.dumps({"media_fbid": self._unpublished_photo(page, token, item)})
        response = self.request("POST", f"{GRAPH}/{page}/feed", data=form, sends=True)
        post_id = str(self.data(response).get("id", ""))
        return Published(post_id, f"https://www.facebook.com/{post_id}")

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: datetime | None
    ) -> Published | None:
        """The post among the Page's own posts since the send, matched by `message` (links removed, whitespace
        collapsed). A post without text has nothing to be told apart by, so it stays for the user to confirm.

        GET /{page-id}/posts (the Page's own posts of the Page Feed edge, with `since` and `paging.next`):
        https://developers.facebook.com/docs/graph-api/reference/page/feed (Reading).
        """
        if not lookup.normalised(content.text):
            raise OutcomeUnknown("A Facebook post without text cannot be told apart from the Page's other posts.")
        since = lookup.cutoff(sent_after)
        fields = "id,message,created_time,permalink_url"
        params = {"fields": fields, "limit": "50", "access_token": account.access_token}
        if since is not None:
            params["since"] = str(int(since.timestamp()))

        def page(following: str) -> tuple[list[lookup.Seen], str]:
            url, query = (following, None) if following else (f"{GRAPH}/{account.external_id}/posts", params)
            data = self.data(self.request("GET", url, params=query))
            posts = [_seen(post) for post in data.get("data") or [] if isinstance(post, dict)]
            return posts, next_page(data, host=GRAPH_HOST)

        found = lookup.resolve(self.label, lookup.recent(page, since=since), [content.text], shape="")
        return None if found is None else thread.comment_unchecked(self.label, found, content.first_comment)

    def _unpublished_photo(self, page: str, token: str, item: MediaItem) -> str:
        """A photo uploaded but not shown until the post that attaches it goes out: safe to repeat."""
        data = {"published": "false", "access_token": token} | _alt(item)
        with open_stored(item) as handle:
            files = _source(item, handle)
            response = self.request("POST", f"{GRAPH}/{page}/photos", data=data, files=files, timeout=upload_timeout())
        return str(self.data(response).get("id", ""))


def _choice(page: dict[str, Any]) -> tuple[Identity, TokenSet]:
    name = str(page.get("name") or page["id"])
    options = {"kind": "page"} | ({"via": str(page["via"])} if page.get("via") else {})
    identity = Identity(external_id=str(page["id"]), handle=name, display_name=name, options=options)
    return identity, TokenSet(str(page["access_token"]))


def _seen(post: dict[str, object]) -> lookup.Seen:
    post_id = str(post.get("id", ""))
    return lookup.Seen(
        id=post_id,
        text=str(post.get("message") or ""),
        created=lookup.parsed_time(post.get("created_time")),
        url=str(post.get("permalink_url") or f"https://www.facebook.com/{post_id}"),
    )


def _source(item: MediaItem, handle: IO[bytes]) -> dict[str, tuple[str, IO[bytes], str]]:
    """The multipart file part; httpx reads an open file in blocks as it sends, sized from the file itself."""
    return {"source": (item.path.rsplit("/", 1)[-1], handle, item.mime_type)}


def _alt(item: MediaItem) -> dict[str, str]:
    return {"alt_text_custom": item.alt_text} if item.alt_text else {}
