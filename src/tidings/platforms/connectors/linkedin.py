"""LinkedIn (Posts API): text posts and images, as a member or, where the app may, as an organisation page.

- Connect: OAuth 2.0 (OpenID Connect for who the member is). Organisation pages need the Community Management API
  product and its scopes, asked for only when `TIDINGS_LINKEDIN_ORGANIZATIONS=1`, since LinkedIn refuses the
  whole sign-in when an app asks for a scope it was not granted. Then the member and each organisation they
  administer are choices (`connect_choices`); each one picked is its own account, sharing the member's token.
- The author is the account's: a member (`urn:li:person:{id}`) or an organisation (`urn:li:organization:{id}`, its
  external id, with `options["kind"] == "organization"`).
- Publish: POST /rest/posts with the `LinkedIn-Version` and `X-Restli-Protocol-Version` headers; the new post's URN
  comes back in `x-restli-id`. Images go up first through the Images API (initializeUpload, then PUT); a video or a
  PDF document through the Videos or Documents API (`linkedin_media`); each is awaited until AVAILABLE without
  holding a worker (`waiting`).
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
- A first comment: POST /rest/socialActions/{post URN, encoded}/comments with the author as `actor`, the post as
  `object` and `message.text` ("Create a Comment",
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api), under the
  member's `w_member_social` (an organisation's `w_organization_social`).
- No idempotency key and no lookup by one: a lost answer leaves the post unconfirmed.
"""

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
from django.conf import settings

from tidings.platforms.base import (
    Capabilities,
    Content,
    Identity,
    PermanentError,
    Published,
    PublishFailure,
    TokenSet,
)
from tidings.platforms.connectors import thread
from tidings.platforms.connectors.api import (
    ApiConnector,
    FileRange,
    full_text,
    open_stored,
    stored_size,
    upload_timeout,
)
from tidings.platforms.connectors.linkedin_media import upload_document, upload_video
from tidings.platforms.connectors.oauth2 import OAuth2App
from tidings.platforms.connectors.waiting import NotYet, Patience, until_ready
from tidings.platforms.errors import operator_problem
from tidings.platforms.media import MB, MediaItem, MediaRules, media_problems
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.rules import URL_RE, text_problems

API = "https://api.linkedin.com"
AUTHORIZE_URL = "https://www.linkedin.com/oauth/v2/authorization"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"  # noqa: S105
MEMBER_SCOPES = ("openid", "profile", "w_member_social")
# Posting as a page, and listing the pages the member administers with their names ("Permissions" of
# .../community-management/organizations/organization-access-control-by-role and .../organization-lookup-api).
ORGANIZATION_SCOPES = ("w_organization_social", "rw_organization_admin")
ORGANIZATION_PREFIX = "urn:li:organization:"
# Organisations read at most: the member's administrator roles, 100 a page.
MAX_ORGANIZATIONS = 500
# The monthly API version (`TIDINGS_LINKEDIN_VERSION`), each supported about a year after its release
# (https://learn.microsoft.com/en-us/linkedin/marketing/versioning); `tidings doctor` warns before its sunset.
LINKEDIN_VERSION = settings.TIDINGS_LINKEDIN_VERSION

# https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api (JPG, PNG, GIF) and
# .../multiimage-post-api (2 to 20 images). LinkedIn states a pixel limit, not a byte limit: 10 MB is our bound.
# One video alone: MP4, 75 KB to 500 MB, 3 s to 30 min (.../videos-api, "Video Specifications"). One document
# alone: PDF (we store no PPT or DOC) up to 100 MB (.../documents-api).
MEDIA_RULES = MediaRules(
    max_items=20,
    image_types=frozenset({"image/jpeg", "image/png", "image/gif"}),
    max_image_bytes=10 * MB,
    video_types=frozenset({"video/mp4"}),
    max_video_bytes=500 * MB,
    max_videos=1,
    min_video_seconds=3,
    max_video_seconds=30 * 60,
    document_types=frozenset({"application/pdf"}),
    max_document_bytes=100 * MB,
)
MIN_VIDEO_BYTES = 75 * 1024
# A document post's title (`content.media.title`): ours is the post's first line, or the per-post "title" option.
DOCUMENT_TITLE_CHARS = 400
# Characters of LinkedIn's "little" text format: unescaped, LinkedIn cuts the post at the first one.
# https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
_RESERVED = re.compile(r"[\\|{}@\[\]()<>*_~]|#(?!\w)")


class LinkedInConnector(ApiConnector):
    platform: ClassVar[str] = Platform.LINKEDIN
    capabilities: ClassVar[Capabilities] = Capabilities(
        first_comment=True,
        notes=("LinkedIn has no idempotency key: a post whose answer was lost is left for you to confirm.",),
    )
    # Access tokens last 60 days; refresh tokens (for apps LinkedIn enabled) a year ("Refresh Tokens with OAuth
    # 2.0", https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens).
    refresh_ahead: ClassVar[timedelta] = timedelta(days=7)
    # An uploaded image is usually AVAILABLE within seconds.
    patience: ClassVar[Patience] = Patience(first=5.0, longest=30.0, most=10 * 60.0, inline=5.0)

    def oauth_app(self, client_id: str, client_secret: str) -> OAuth2App:
        scopes = (*MEMBER_SCOPES, *ORGANIZATION_SCOPES) if organizations_enabled() else MEMBER_SCOPES
        # Refresh tokens come only to apps LinkedIn enabled for them; without one the member reconnects every 60 days.
        return OAuth2App(
            client_id,
            client_secret,
            authorize_url=AUTHORIZE_URL,
            token_url=TOKEN_URL,
            scopes=scopes,
            pkce=False,  # LinkedIn offers PKCE to native apps only
            token_auth="post",  # noqa: S106 (a method name, not a secret)
        )

    def identify(self, tokens: TokenSet) -> Identity:
        headers = {"Authorization": f"Bearer {tokens.access_token}"}
        me = self.data(self.request("GET", f"{API}/v2/userinfo", headers=headers))
        if not me.get("sub"):
            raise PermanentError("LinkedIn did not say which member signed in.")
        name = str(me.get("name") or " ".join(filter(None, [me.get("given_name"), me.get("family_name")])))
        return Identity(
            external_id=str(me["sub"]), handle=name or str(me["sub"]), display_name=name, options={"kind": "member"}
        )

    def connect_choices(
        self, *, code: str, redirect_uri: str, session_data: dict[str, str]
    ) -> list[tuple[Identity, TokenSet]]:
        """The member, then each organisation they administer (when the server's app may post as one)."""
        tokens = self.exchange_code(code=code, redirect_uri=redirect_uri, session_data=session_data)
        member = self.identify(tokens)
        if not organizations_enabled():
            return [(member, tokens)]
        try:
            organizations = self._organizations(tokens)
        except PermanentError:
            # The app lacks the Community Management product (`failure` told the operator): the member connects.
            organizations = []
        return [(member, tokens)] + [(organization, tokens) for organization in organizations]

    def _organizations(self, tokens: TokenSet) -> list[Identity]:
        """The organisations whose ADMINISTRATOR role the member holds, APPROVED, with their names.

        GET /rest/organizationAcls?q=roleAssignee ("Find a Member's Organization Access Control Information",
        paged by `start` and `count`), then one batch GET /rest/organizations?ids=List(...) for the names
        (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api).
        """
        headers = self._headers(tokens.access_token)
        urns: list[str] = []
        start = 0
        while start < MAX_ORGANIZATIONS:
            params = {"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"}
            params |= {"start": str(start), "count": "100"}
            data = self.data(self.request("GET", f"{API}/rest/organizationAcls", params=params, headers=headers))
            elements = [e for e in data.get("elements") or [] if isinstance(e, dict)]
            urns += [str(e.get("organization", "")) for e in elements]
            total = int((data.get("paging") or {}).get("total") or 0)
            start += 100
            if not elements or start >= total:
                break
        prefix = ORGANIZATION_PREFIX
        ids = list(dict.fromkeys(urn.removeprefix(prefix) for urn in urns if urn.startswith(prefix)))
        if not ids:
            return []
        url = f"{API}/rest/organizations?ids=List({','.join(ids)})"
        results = self.data(self.request("GET", url, headers=headers)).get("results") or {}
        found = []
        for org_id in ids:
            found_org = results.get(org_id)
            organization: dict[str, Any] = found_org if isinstance(found_org, dict) else {}
            name = str(organization.get("localizedName") or organization.get("vanityName") or org_id)
            found.append(
                Identity(
                    external_id=f"{ORGANIZATION_PREFIX}{org_id}",
                    handle=str(organization.get("vanityName") or name),
                    display_name=name,
                    options={"kind": "organization"},
                )
            )
        return found

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        text = full_text(content)
        problems = text_problems(self.platform, text) if text.strip() or not content.media else []
        problems += thread.comment_problems(self.platform, content.first_comment)
        documents = [item for item in content.media if item.kind == "document"]
        if documents and len(content.media) > 1:
            problems.append("LinkedIn posts a PDF on its own: one document, without images or a video.")
        for item in content.media:
            if item.kind == "video" and item.size_bytes < MIN_VIDEO_BYTES:
                problems.append(f"{item.path.rsplit('/', 1)[-1]} is under 75 KB; LinkedIn takes videos from 75 KB.")
        return problems + media_problems(self.label, MEDIA_RULES, content.media)

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        author = author_urn(account)
        headers = self._headers(account.access_token)
        body: dict[str, Any] = {
            "author": author,
            "commentary": escape_little(full_text(content)),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if content.media:
            body["content"] = self._media_content(content, author, headers)
        response = self.request("POST", f"{API}/rest/posts", json=body, headers=headers, sends=True)
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise PermanentError("LinkedIn accepted the post without saying its id.")
        comment = content.first_comment.strip()

        def post_comment(_: Published) -> None:
            body = {"actor": author, "object": urn, "message": {"text": comment}}
            url = f"{API}/rest/socialActions/{quote(urn, safe='')}/comments"
            self.request("POST", url, json=body, headers=headers, sends=True)

        published = Published(urn, f"https://www.linkedin.com/feed/update/{urn}/")
        return thread.with_comment(self.label, published, comment, post_comment)

    def _media_content(self, content: Content, author: str, headers: dict[str, str]) -> dict[str, Any]:
        """The post's `content`: one document, one video, one image, or several images (`multiImage`)."""
        first, progress = content.media[0], content.progress
        if first.kind == "document":
            urn = upload_document(self, first, author=author, headers=headers, progress=progress)
            return {"media": {"title": document_title(content), "id": urn}}
        if first.kind == "video":
            return {"media": {"id": upload_video(self, first, author=author, headers=headers, progress=progress)}}
        urns = [str(urn) for urn in progress.get("images") or []] or [
            self._upload(item, author, headers) for item in content.media
        ]
        self._await_images(urns, headers, progress)
        images = [_image(urn, item) for urn, item in zip(urns, content.media, strict=True)]
        return {"media": images[0]} if len(images) == 1 else {"multiImage": {"images": images}}

    def _upload(self, item: MediaItem, author: str, headers: dict[str, str]) -> str:
        """An image uploaded and owned by the author; invisible until a post uses it."""
        init = {"initializeUploadRequest": {"owner": author}}
        response = self.request(
            "POST", f"{API}/rest/images", params={"action": "initializeUpload"}, json=init, headers=headers
        )
        value = self.data(response).get("value") or {}
        if not value.get("uploadUrl") or not value.get("image"):
            raise PermanentError("LinkedIn did not give an address to upload the image to.")
        size = stored_size(item)
        auth = {"Authorization": headers["Authorization"], "Content-Type": item.mime_type, "Content-Length": str(size)}
        with open_stored(item) as handle:
            self.request(
                "PUT", value["uploadUrl"], content=FileRange(handle, 0, size), headers=auth, timeout=upload_timeout()
            )
        return str(value["image"])

    def _await_images(self, urns: list[str], headers: dict[str, str], progress: Mapping[str, Any]) -> None:
        """Post only once every image is AVAILABLE; PROCESSING_FAILED is final. GET /rest/images/{urn} gives its
        `status` (PROCESSING, PROCESSING_FAILED, AVAILABLE, WAITING_UPLOAD): "Get a Single Image" in
        https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api."""
        pending = list(urns)

        def check() -> bool | NotYet:
            for urn in list(pending):
                image = self.data(self.request("GET", f"{API}/rest/images/{quote(urn)}", headers=headers))
                if image.get("status") == "AVAILABLE":
                    pending.remove(urn)
                elif image.get("status") == "PROCESSING_FAILED":
                    raise PermanentError("LinkedIn could not process one of the images; try another file.")
            return True if not pending else NotYet()

        made = {"images": urns}
        until_ready(check, patience=self.patience, progress=progress, made=made, label=self.label, what="the images")

    def failure(self, response: httpx.Response) -> PublishFailure:
        """401 is the member's token (renewed, else reconnect); 403 ACCESS_DENIED is a permission the app or the
        member lacks, which a new token cannot give; 426 is a sunset `LinkedIn-Version`. "Error Handling":
        https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling"""
        said = f"LinkedIn answered {response.status_code}: {self.error_message(response)}"
        if response.status_code == 403:
            operator_problem(self.platform, "access_denied", status=403)
            return PermanentError(
                f"{said} This server's LinkedIn app lacks the product this needs, or the member lacks the role on "
                "the page; reconnecting will not help. The server's operator can add the product to the app."
            )
        if response.status_code == 426:
            operator_problem(self.platform, "version_sunset", status=426)
            return PermanentError(
                f"{said} LinkedIn no longer accepts API version {LINKEDIN_VERSION}; the server's operator must set "
                "TIDINGS_LINKEDIN_VERSION to a current one."
            )
        return super().failure(response)

    @staticmethod
    def _headers(token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": LINKEDIN_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        }


def organizations_enabled() -> bool:
    return os.environ.get("TIDINGS_LINKEDIN_ORGANIZATIONS", "") in ("1", "true", "yes")


def author_urn(account: SocialAccount) -> str:
    """Who a post is by: an organisation, connected by its URN, or the member, by the id LinkedIn's userinfo
    gives."""
    external_id = account.external_id
    if external_id.startswith("urn:li:"):
        return external_id
    if account.options.get("kind") == "organization":
        return f"{ORGANIZATION_PREFIX}{external_id}"
    return f"urn:li:person:{external_id}"


def document_title(content: Content) -> str:
    """LinkedIn shows a document post's title above the document; it is required."""
    chosen = str(content.options.get("title") or "").strip()
    first_line = next((line.strip() for line in content.text.splitlines() if line.strip()), "")
    return (chosen or first_line or "Document")[:DOCUMENT_TITLE_CHARS]


def escape_little(text: str) -> str:
    """Reserved characters escaped, links left whole so they stay links, #hashtags left as hashtags."""
    parts, position = [], 0
    for url in URL_RE.finditer(text):
        parts += [_RESERVED.sub(lambda m: "\\" + m.group(), text[position : url.start()]), url.group()]
        position = url.end()
    parts.append(_RESERVED.sub(lambda m: "\\" + m.group(), text[position:]))
    return "".join(parts)


def _image(urn: str, item: MediaItem) -> dict[str, str]:
    return {"id": urn, "altText": item.alt_text} if item.alt_text else {"id": urn}
