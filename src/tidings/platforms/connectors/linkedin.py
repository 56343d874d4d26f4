"""LinkedIn (Posts API): text posts and images, as a member or, where the app may, as an organisation page.

- Connect: OAuth 2.0 (OpenID Connect for who the member is). Organisation pages need the Community Management API
  product and its `w_organization_social` scope, asked for only when `TIDINGS_LINKEDIN_ORGANIZATIONS=1`, since
  LinkedIn refuses the whole sign-in when an app asks for a scope it was not granted.
- The author is the account's external id: a member id (`urn:li:person:{id}`) or an organisation URN.
- Publish: POST /rest/posts with the `LinkedIn-Version` and `X-Restli-Protocol-Version` headers; the new post's URN
  comes back in `x-restli-id`. Images go up first through the Images API (initializeUpload, then PUT).
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
- A first comment: POST /rest/socialActions/{post URN, encoded}/comments with the author as `actor`, the post as
  `object` and `message.text` ("Create a Comment",
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api), under the
  member's `w_member_social` (an organisation's `w_organization_social`).
- No idempotency key and no lookup by one: a lost answer leaves the post unconfirmed.
"""

import os
import re
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
from tidings.platforms.connectors.api import ApiConnector, full_text, read_file
from tidings.platforms.connectors.oauth2 import OAuth2App
from tidings.platforms.errors import operator_problem
from tidings.platforms.media import MB, MediaItem, MediaRules, media_problems
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.rules import URL_RE, text_problems

API = "https://api.linkedin.com"
AUTHORIZE_URL = "https://www.linkedin.com/oauth/v2/authorization"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"  # noqa: S105
MEMBER_SCOPES = ("openid", "profile", "w_member_social")
ORGANIZATION_SCOPE = "w_organization_social"
# The monthly API version (`TIDINGS_LINKEDIN_VERSION`), each supported about a year after its release
# (https://learn.microsoft.com/en-us/linkedin/marketing/versioning); `tidings doctor` warns before its sunset.
LINKEDIN_VERSION = settings.TIDINGS_LINKEDIN_VERSION

# https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api (JPG, PNG, GIF) and
# .../multiimage-post-api (2 to 20 images). LinkedIn states a pixel limit, not a byte limit: 10 MB is our bound.
MEDIA_RULES = MediaRules(
    max_items=20,
    image_types=frozenset({"image/jpeg", "image/png", "image/gif"}),
    max_image_bytes=10 * MB,
    max_videos=0,
)
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

    def oauth_app(self, client_id: str, client_secret: str) -> OAuth2App:
        organizations = os.environ.get("TIDINGS_LINKEDIN_ORGANIZATIONS", "") in ("1", "true", "yes")
        scopes = (*MEMBER_SCOPES, ORGANIZATION_SCOPE) if organizations else MEMBER_SCOPES
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
        return Identity(external_id=str(me["sub"]), handle=name or str(me["sub"]), display_name=name)

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        text = full_text(content)
        problems = text_problems(self.platform, text) if text.strip() or not content.media else []
        problems += thread.comment_problems(self.platform, content.first_comment)
        if any(item.kind == "video" for item in content.media):
            problems.append("Tidings does not send video to LinkedIn yet; attach images or post the video there.")
        images = tuple(item for item in content.media if item.kind != "video")
        return problems + media_problems(self.label, MEDIA_RULES, images)

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        author = author_urn(account.external_id)
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
        images = [_image(self._upload(item, author, headers), item) for item in content.media]
        if len(images) == 1:
            body["content"] = {"media": images[0]}
        elif images:
            body["content"] = {"multiImage": {"images": images}}
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

    def _upload(self, item: MediaItem, author: str, headers: dict[str, str]) -> str:
        """An image uploaded and owned by the author; invisible until a post uses it."""
        init = {"initializeUploadRequest": {"owner": author}}
        response = self.request(
            "POST", f"{API}/rest/images", params={"action": "initializeUpload"}, json=init, headers=headers
        )
        value = self.data(response).get("value") or {}
        if not value.get("uploadUrl") or not value.get("image"):
            raise PermanentError("LinkedIn did not give an address to upload the image to.")
        auth = {"Authorization": headers["Authorization"], "Content-Type": item.mime_type}
        self.request("PUT", value["uploadUrl"], content=read_file(item), headers=auth)
        return str(value["image"])

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


def author_urn(external_id: str) -> str:
    """An organisation is connected by its URN; a member by the id LinkedIn's userinfo gives."""
    return external_id if external_id.startswith("urn:li:") else f"urn:li:person:{external_id}"


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
