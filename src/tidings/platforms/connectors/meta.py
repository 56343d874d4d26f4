"""What Facebook Pages, Instagram and Threads share: Meta's Graph API errors, Facebook Login for Pages, media
containers that Meta fetches from our public URL, and waiting for them to be processed."""

import json
import os
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
from django.conf import settings

from tidings.platforms.base import (
    PermanentError,
    PublishFailure,
    RateLimited,
    ReauthRequired,
    TokenSet,
    TransientError,
)
from tidings.platforms.connectors.api import ApiConnector
from tidings.platforms.connectors.base import BaseConnector
from tidings.platforms.connectors.oauth2 import OAuth2App, token_set
from tidings.platforms.connectors.waiting import NotYet, Patience, until_ready
from tidings.platforms.errors import MAX_RETRY_AFTER
from tidings.platforms.media import MediaItem
from tidings.platforms.models import SocialAccount

# The Graph API version (`TIDINGS_GRAPH_API_VERSION`); Meta keeps each for about two years, and `tidings doctor`
# warns before its expiry (https://developers.facebook.com/docs/graph-api/changelog/versions).
GRAPH_VERSION = settings.TIDINGS_GRAPH_API_VERSION
GRAPH_HOST = "https://graph.facebook.com"
GRAPH = f"{GRAPH_HOST}/{GRAPH_VERSION}"
FACEBOOK_DIALOG = f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth"

# "Error Codes" in https://developers.facebook.com/docs/graph-api/guides/error-handling
_TOKEN_CODES = {102, 190}  # the token expired or was invalidated: renewed where it can be, else reconnect
_PERMISSION_CODE = 10  # plus 200-299: a permission not granted or taken away, which a new token does not bring
_RATE_CODES = {4, 17, 32, 613}  # plus 80001-80014, the business use case limits
_APP_LIMIT = 341  # "Application limit reached" (Pages: feed action limit): wait, then retry
_APP_LIMIT_WAIT = 15 * 60.0
_PUBLISHING_LIMIT = 2207042  # Instagram's 24-hour publishing limit (error_subcode)
# A container looked up or published right after it was made can be unknown for a moment: code 100, subcode 33
# ("Unsupported get/post request. Object ... does not exist"); Instagram's 9007 / 2207027 is "media not ready".
# https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
_NOT_READY = {(100, 33), (9007, 2207027)}
# What a Page listing reads of each Page, and how many pages of a listing we follow (100 entries each).
PAGE_FIELDS = "id,name,access_token,instagram_business_account{id,username,name}"
MAX_LIST_PAGES = 20


class PublishingLimit(RateLimited):
    """Instagram's 24-hour publishing limit: the wait is until the oldest post of the window is a day old."""


class NotReady(TransientError):
    """A freshly made container Meta does not show yet: look again (or make it again) shortly."""


class GraphConnector(ApiConnector):
    """Graph API errors carry their meaning in `error.code`, not the HTTP status (most answers are 400)."""

    # Images are usually ready at once; a video container takes minutes. Meta suggests checking a container's
    # status about once a minute ("Troubleshooting" in
    # https://developers.facebook.com/docs/instagram-platform/content-publishing); an unpublished container
    # expires after 24 hours, long after our limit.
    patience: ClassVar[Patience] = Patience(first=15.0, longest=60.0, most=20 * 60.0, inline=5.0)

    def failure(self, response: httpx.Response) -> PublishFailure:
        error = self.data(response).get("error")
        if not isinstance(error, dict):
            return super().failure(response)
        code, subcode = int(error.get("code") or 0), int(error.get("error_subcode") or 0)
        message = f"{self.label}: {error.get('error_user_msg') or error.get('message') or response.text[:300]}"
        if code in _TOKEN_CODES:
            return ReauthRequired(message)
        if code == _PERMISSION_CODE or 200 <= code <= 299:
            return ReauthRequired(
                f"{message} Reconnect the account and grant every permission Tidings asks for.", refreshable=False
            )
        if (code, subcode) in _NOT_READY:
            return NotReady(message)
        if subcode == _PUBLISHING_LIMIT:
            return PublishingLimit(message, retry_after=self.retry_after(response))
        if code == _APP_LIMIT:
            return RateLimited(message, retry_after=max(self.retry_after(response), _APP_LIMIT_WAIT))
        if code in _RATE_CODES or 80001 <= code <= 80014:
            return RateLimited(message, retry_after=self.retry_after(response))
        if code in (1, 2) or error.get("is_transient") or response.status_code >= 500:
            return TransientError(message)
        return PermanentError(message)

    def retry_after(self, response: httpx.Response) -> float:
        """Meta says how long in `X-Business-Use-Case-Usage` (minutes until access is regained), if anywhere.

        https://developers.facebook.com/docs/graph-api/overview/rate-limiting#headers-2
        """
        try:
            usage = json.loads(response.headers.get("x-business-use-case-usage", "{}"))
            minutes = max(
                float(entry.get("estimated_time_to_regain_access") or 0)
                for entries in usage.values()
                for entry in entries
            )
        except (ValueError, TypeError, AttributeError):
            minutes = 0
        if minutes > 0:
            return min(minutes * 60, MAX_RETRY_AFTER)
        return super().retry_after(response)

    def container_ready(self, url: str, *, token: str, field: str, error_field: str) -> bool | NotYet:
        """One look at a media container: True once processed, NotYet meanwhile; ERROR or EXPIRED is final.

        IG Container `status_code` (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/
        reference/ig-container, "Fields"): EXPIRED, ERROR, FINISHED, IN_PROGRESS, PUBLISHED; Threads' `status`
        takes the same values (https://developers.facebook.com/docs/threads/troubleshooting).
        """
        params = {"fields": f"{field},{error_field}", "access_token": token}
        try:
            data = self.data(self.request("GET", url, params=params))
        except NotReady:
            return NotYet()
        status = data.get(field)
        if status in ("FINISHED", "PUBLISHED"):
            return True
        if status in ("ERROR", "EXPIRED"):
            raise PermanentError(f"{self.label} could not use the media: {data.get(error_field) or status}")
        return NotYet()

    def await_containers(
        self,
        urls: list[str],
        *,
        token: str,
        field: str,
        error_field: str,
        progress: Mapping[str, Any],
        made: Mapping[str, Any],
    ) -> None:
        """Return once every container is processed, or hand the wait back (`waiting.until_ready`) with `made`,
        the containers made so far, so the next check resumes from them."""
        pending = list(urls)

        def check() -> bool | NotYet:
            for url in list(pending):
                if self.container_ready(url, token=token, field=field, error_field=error_field) is True:
                    pending.remove(url)
            return True if not pending else NotYet()

        until_ready(check, patience=self.patience, progress=progress, made=made, label=self.label, what="the media")

    def create_container(self, url: str, *, token: str, params: dict[str, str]) -> str:
        """A media container, invisible until published: safe to make again after a failure."""
        response = self.request("POST", url, data=params | {"access_token": token})
        container = str(self.data(response).get("id", ""))
        if not container:
            raise PermanentError(f"{self.label} did not make a media container.")
        return container

    def permalink(self, url: str, *, token: str) -> str:
        """The public address of a published post; a failure here must not turn a success into an error."""
        try:
            response = self.request("GET", url, params={"fields": "permalink", "access_token": token})
        except PublishFailure:
            return ""
        return str(self.data(response).get("permalink") or "")


class PageLoginConnector(GraphConnector):
    """Facebook Login for a Page (and its linked Instagram account): a long-lived user token gives Page tokens
    that do not expire. https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived"""

    scopes: ClassVar[tuple[str, ...]] = ()
    # Asked for as well when `business_pages()`: what reading (and posting to) a business's Pages takes.
    business_scopes: ClassVar[tuple[str, ...]] = ("business_management",)

    def oauth_app(self, client_id: str, client_secret: str) -> OAuth2App:
        return meta_app(
            client_id,
            client_secret,
            authorize_url=FACEBOOK_DIALOG,
            token_url=f"{GRAPH}/oauth/access_token",
            scopes=(*self.scopes, *self.business_scopes) if business_pages() else self.scopes,
        )

    def exchange_code(self, *, code: str, redirect_uri: str, session_data: dict[str, str]) -> TokenSet:
        """The short-lived user token, swapped for a long-lived one."""
        app = self.configured_app()
        short = super().exchange_code(code=code, redirect_uri=redirect_uri, session_data=session_data)
        params = {
            "grant_type": "fb_exchange_token",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "fb_exchange_token": short.access_token,
        }
        return token_set(self.data(self.request("GET", f"{GRAPH}/oauth/access_token", params=params)))

    def pages(self, *, code: str, redirect_uri: str, session_data: dict[str, str]) -> list[dict[str, Any]]:
        """Every Page the person can post to, once each, with its Page token and linked Instagram account: their
        own Pages (GET /me/accounts, every page of the list), then, with `business_management`, the Pages of the
        businesses they work in (GET /me/businesses, then /{business-id}/owned_pages and /client_pages).

        https://developers.facebook.com/docs/pages-api/manage-pages ("Get a list of Pages"),
        https://developers.facebook.com/docs/graph-api/reference/business/owned_pages/ and
        https://developers.facebook.com/docs/marketing-api/reference/business/client_pages/. A Page listed
        without an `access_token` is one this person has no task on: it cannot be posted to, so it is left out.
        """
        token = self.exchange_code(code=code, redirect_uri=redirect_uri, session_data=session_data).access_token
        found: dict[str, dict[str, Any]] = {}
        for page in self.listing(f"{GRAPH}/me/accounts", token=token, fields=PAGE_FIELDS):
            found.setdefault(str(page.get("id")), page)
        if business_pages():
            for page in self._business_pages(token):
                found.setdefault(str(page.get("id")), page)
        return [page for page in found.values() if page.get("id") and page.get("access_token")]

    def listing(self, url: str, *, token: str, fields: str) -> list[dict[str, Any]]:
        """All entries of a Graph API list, following `paging.next` up to `MAX_LIST_PAGES` pages."""
        entries: list[dict[str, Any]] = []
        following: str = url
        params: dict[str, str] | None = {"fields": fields, "limit": "100", "access_token": token}
        for _ in range(MAX_LIST_PAGES):
            data = self.data(self.request("GET", following, params=params))
            entries += [entry for entry in data.get("data") or [] if isinstance(entry, dict)]
            # The next page's address carries the query (the token included) itself.
            following, params = next_page(data, host=GRAPH_HOST), None
            if not following:
                break
        return entries

    def _business_pages(self, token: str) -> list[dict[str, Any]]:
        """The Pages of the businesses the person works in, each marked with its business. A list the person may
        not read (no `business_management` granted, no role in that business) is left out: the rest connect."""
        try:
            businesses = self.listing(f"{GRAPH}/me/businesses", token=token, fields="id,name")
        except ReauthRequired:
            return []
        pages: list[dict[str, Any]] = []
        for business in (b for b in businesses if b.get("id")):
            via = f"Business Manager: {business.get('name') or business['id']}"
            for edge in ("owned_pages", "client_pages"):
                try:
                    listed = self.listing(f"{GRAPH}/{business['id']}/{edge}", token=token, fields=PAGE_FIELDS)
                except ReauthRequired:
                    continue
                pages += [page | {"via": via} for page in listed]
        return pages

    def refresh_credentials(self, account: SocialAccount) -> TokenSet:
        # Page tokens do not expire: keep them.
        return BaseConnector.refresh_credentials(self, account)


def business_pages() -> bool:
    """Whether sign-ins ask for the Business Manager permissions that list a business's Pages. On by default; an
    operator whose Meta app has not passed review for them turns it off (`TIDINGS_META_BUSINESS_PAGES=0`)."""
    return os.environ.get("TIDINGS_META_BUSINESS_PAGES", "1").strip().lower() not in ("0", "false", "no")


def meta_app(
    client_id: str, client_secret: str, *, authorize_url: str, token_url: str, scopes: tuple[str, ...]
) -> OAuth2App:
    """Meta's OAuth habits, Facebook Login and Threads alike: no PKCE, the secret in the form, scopes with commas."""
    return OAuth2App(
        client_id,
        client_secret,
        authorize_url=authorize_url,
        token_url=token_url,
        scopes=scopes,
        pkce=False,
        token_auth="post",  # noqa: S106 (a method name, not a secret)
        scope_separator=",",
    )


def next_page(data: dict[str, Any], *, host: str) -> str:
    """The address of a Graph API list's next page (`paging.next`), "" on the last page.

    Lists page by cursors or, with `since`, by time; `next` is there in both while more remains:
    https://developers.facebook.com/docs/graph-api/results. Only an address on the API's own host is followed.
    """
    paging = data.get("paging")
    following = str(paging.get("next") or "") if isinstance(paging, dict) else ""
    return following if following.startswith(f"{host}/") else ""


def public_url_problems(label: str) -> list[str]:
    """Meta fetches each file from our server (it takes no upload), so the server needs a public https address."""
    base = os.environ.get("TIDINGS_PUBLIC_URL", "").strip()
    if not base.startswith("https://"):
        return [
            f"{label} fetches media from this server, which needs a public https:// address: set TIDINGS_PUBLIC_URL "
            f"(now {base or 'unset'}) and serve the media directory there."
        ]
    return []


def public_media_url(item: MediaItem) -> str:
    base = os.environ.get("TIDINGS_PUBLIC_URL", "").strip().rstrip("/")
    return f"{base}/{settings.MEDIA_URL.strip('/')}/{quote(item.path)}"
