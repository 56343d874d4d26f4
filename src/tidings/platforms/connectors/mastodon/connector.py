"""Mastodon: sign in on the user's server with PKCE, post statuses (threads as replies) with media.

- Apps are registered per server on first use (`api.registered_app`); PKCE S256 is sent (Mastodon 4.3+ checks it,
  older servers ignore it). https://docs.joinmastodon.org/spec/oauth/
- Statuses carry our key as `Idempotency-Key`: Mastodon answers a repeat within an hour with the status it made
  (https://docs.joinmastodon.org/methods/statuses/#create, "Idempotency keys are stored for up to 1 hour"). Past
  that a repeat would post twice, so a send in doubt is first looked for among the account's statuses
  (`find_published`).
- Tokens do not expire; a revoked one answers 401.
"""

import time
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.core.files.storage import default_storage
from django.utils import timezone

from tidings.platforms.base import (
    AuthorizationRequest,
    Capabilities,
    Content,
    Identity,
    OutcomeUnknown,
    PermanentError,
    Published,
    TokenSet,
    TransientError,
)
from tidings.platforms.connectors import lookup, thread
from tidings.platforms.connectors.base import BaseConnector
from tidings.platforms.connectors.mastodon import api
from tidings.platforms.connectors.oauth2 import OAuth2App, authorization_request, exchange_code
from tidings.platforms.media import MB, MediaItem, MediaRules, media_problems
from tidings.platforms.models import MastodonApp, Platform, SocialAccount
from tidings.platforms.rules import split_into_thread, text_problems

# Mastodon's defaults (app/models/media_attachment.rb): 4 attachments, images up to 16 MB, one video up to 99 MB.
MEDIA_RULES = MediaRules(
    max_items=4,
    image_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/avif"}),
    video_types=frozenset({"video/mp4", "video/quicktime", "video/webm"}),
    max_image_bytes=16 * MB,
    max_video_bytes=99 * MB,
)
MAX_THREAD_PARTS = 25
# How long after a send we still count on the server holding its keys (it keeps them up to an hour after each
# status is made): well inside the hour, as the send in doubt may have started before the time we know.
KEY_WINDOW = timedelta(minutes=30)


def _text(content: Content) -> str:
    text = content.text.strip()
    return f"{text}\n\n{content.link}".strip() if content.link and content.link not in text else text


def _oauth_app(app: MastodonApp) -> OAuth2App:
    return OAuth2App(
        app.client_id,
        app.client_secret,
        authorize_url=f"{app.instance}/oauth/authorize",
        token_url=f"{app.instance}/oauth/token",
        scopes=api.SCOPES,
        token_auth="post",  # noqa: S106 (a method name, not a secret)
    )


class MastodonConnector(BaseConnector):
    platform: ClassVar[str] = Platform.MASTODON
    capabilities: ClassVar[Capabilities] = Capabilities(
        idempotent_publish=True, can_find_published=True, threads=True, first_comment=True
    )
    connect_method: ClassVar[str] = "oauth"
    # Large media is processed after the upload; we wait for it this long before posting.
    media_poll_seconds: ClassVar[float] = 1.0
    media_poll_attempts: ClassVar[int] = 60

    def start_connect(self, *, redirect_uri: str, instance: str = "") -> AuthorizationRequest:
        if not instance.strip():
            raise PermanentError("Give your Mastodon server, for example mastodon.social.")
        base = api.instance_url(instance)
        app = api.registered_app(base, redirect_uri=redirect_uri)
        return authorization_request(_oauth_app(app), redirect_uri=app.redirect_uri, session_data={"instance": base})

    def finish_connect(
        self, *, code: str, redirect_uri: str, session_data: dict[str, str]
    ) -> tuple[Identity, TokenSet]:
        base = session_data.get("instance", "")
        app = MastodonApp.objects.filter(instance=base).first() if base else None
        if app is None:
            raise PermanentError("This sign-in does not match a Mastodon server we know; start again.")
        verifier = session_data.get("code_verifier", "")
        tokens = exchange_code(_oauth_app(app), code=code, redirect_uri=app.redirect_uri, code_verifier=verifier)
        return self._identity(base, tokens.access_token), tokens

    def _identity(self, base: str, token: str) -> Identity:
        me = api.json_of(api.request("GET", f"{base}/api/v1/accounts/verify_credentials", token=token))
        host = base.split("://", 1)[-1]
        return Identity(
            # Account ids are per server: qualified, so accounts on two servers never share one.
            external_id=f"{me['id']}@{host}",
            handle=f"@{me['username']}@{host}",
            display_name=str(me.get("display_name") or ""),
            base_url=base,
        )

    def refresh_credentials(self, account: SocialAccount) -> TokenSet:
        """Nothing to refresh; checking the token tells a revoked one (ReauthRequired) in time."""
        api.request("GET", f"{account.base_url}/api/v1/accounts/verify_credentials", token=account.access_token)
        return TokenSet(access_token=account.access_token, refresh_token=account.refresh_token, scope=account.scopes)

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        text = _text(content)
        problems = thread.comment_problems(Platform.MASTODON, content.first_comment)
        if content.parts:
            return problems + thread.hand_thread_problems(
                Platform.MASTODON,
                content,
                text,
                media_check=lambda media: media_problems("Mastodon", MEDIA_RULES, media),
            )
        parts = [] if not text and content.media else split_into_thread(Platform.MASTODON, text) or [text]
        for part in parts:
            problems.extend(p for p in text_problems(Platform.MASTODON, part) if p not in problems)
        if len(parts) > MAX_THREAD_PARTS:
            problems.append(f"This would be a thread of {len(parts)} posts; Tidings sends at most {MAX_THREAD_PARTS}.")
        return problems + media_problems("Mastodon", MEDIA_RULES, content.media)

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        """Each status its own key, the same on every attempt (the first the target's key, then "-1", "-2", ...,
        the first comment "-comment"): a retry while the server holds them gets back the statuses already made."""
        posts = thread.pieces(Platform.MASTODON, content, _text(content))
        media_ids = [[self._upload(account, item) for item in piece.media] for piece in posts]
        statuses: list[dict[str, Any]] = []
        for index, (piece, ids) in enumerate(zip(posts, media_ids, strict=True)):
            body: dict[str, Any] = {"status": piece.text}
            if ids:
                body["media_ids"] = ids
            if statuses:
                body["in_reply_to_id"] = str(statuses[-1]["id"])
            statuses.append(
                self._status(account, body, idempotency_key if index == 0 else f"{idempotency_key}-{index}")
            )
        root = statuses[0]
        published = Published(external_id=str(root["id"]), url=str(root.get("url") or root.get("uri") or ""))
        comment = {"status": content.first_comment.strip(), "in_reply_to_id": published.external_id}
        return thread.with_comment(
            self.label,
            published,
            content.first_comment,
            lambda _: self._status(account, comment, f"{idempotency_key}-comment"),
        )

    def _status(self, account: SocialAccount, body: dict[str, Any], key: str) -> dict[str, Any]:
        response = api.request(
            "POST",
            f"{account.base_url}/api/v1/statuses",
            token=account.access_token,
            write=True,
            json=body,
            headers={"Idempotency-Key": key},
        )
        return api.json_of(response)

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: datetime | None
    ) -> Published | None:
        """The statuses sent in doubt, among the account's statuses since the send.

        GET /api/v1/accounts/:id/statuses, newest first, 40 a page, older pages by the `Link` header's "next"
        (https://docs.joinmastodon.org/methods/accounts/#statuses; https://docs.joinmastodon.org/api/guidelines/#pagination).
        `content` is HTML: matched as plain text, links removed and whitespace collapsed; the first status also
        by its number of `media_attachments`, each reply by `in_reply_to_id`. While the server still holds our keys,
        a thread cut short is completed by sending again (each part's key returns the status it made).
        """
        key_held = sent_after is not None and timezone.now() - sent_after < KEY_WINDOW
        if not _reads_statuses(account):
            if key_held:
                return None
            raise OutcomeUnknown(
                "This Mastodon account was connected before Tidings could read its posts, so it cannot check "
                "whether this one went out: confirm it by hand, and reconnect the account to let Tidings check."
            )
        since = lookup.cutoff(sent_after)
        first = f"{account.base_url}/api/v1/accounts/{account.external_id.split('@', 1)[0]}/statuses"

        def page(following: str) -> tuple[list[lookup.Seen], str]:
            params = None if following else {"limit": "40", "exclude_reblogs": "true"}
            response = api.request("GET", following or first, token=account.access_token, params=params)
            try:
                statuses = response.json()
            except ValueError:
                statuses = None
            if not isinstance(statuses, list):
                raise TransientError(f"{account.base_url} answered with something unexpected.")
            following = str(response.links.get("next", {}).get("url") or "")
            same_server = following.startswith(f"{account.base_url}/")
            return [_seen(s) for s in statuses if isinstance(s, dict)], following if same_server else ""

        parts = [piece.text for piece in thread.pieces(Platform.MASTODON, content, _text(content))]
        listing = lookup.recent(page, since=since)
        try:
            found = lookup.resolve("Mastodon", listing, parts, shape=str(len(content.media)))
        except OutcomeUnknown:
            if key_held:
                return None
            raise
        if found is None:
            return None
        found = lookup.with_comment_found("Mastodon", found, listing, content.first_comment)
        # A first comment not found is sent again while its key is held; the rest of the thread is returned.
        return None if found.note and key_held else found

    def _upload(self, account: SocialAccount, item: MediaItem) -> str:
        try:
            with default_storage.open(item.path, "rb") as file:
                data = file.read()
        except OSError:
            raise PermanentError(f"The file {item.path} is missing from storage.") from None
        name = item.path.rsplit("/", 1)[-1]
        response = api.request(
            "POST",
            f"{account.base_url}/api/v2/media",
            token=account.access_token,
            files={"file": (name, data, item.mime_type)},
            data={"description": item.alt_text} if item.alt_text else None,
        )
        media_id = str(api.json_of(response)["id"])
        # 202: still processing; GET /api/v1/media/:id answers 206 until it is ready, then 200.
        for _ in range(self.media_poll_attempts if response.status_code == 202 else 0):
            time.sleep(self.media_poll_seconds)
            url = f"{account.base_url}/api/v1/media/{media_id}"
            if api.request("GET", url, token=account.access_token).status_code == 200:
                return media_id
        if response.status_code == 202:
            raise TransientError(f"Mastodon is still processing {name}; trying again later.")
        return media_id


def _reads_statuses(account: SocialAccount) -> bool:
    """Whether the account's token may list its statuses: `read:statuses`, or all of `read`."""
    return bool({"read", "read:statuses"} & set(account.scopes.split()))


def _seen(status: dict[str, Any]) -> lookup.Seen:
    return lookup.Seen(
        id=str(status.get("id", "")),
        text=api.plain_text(str(status.get("content") or "")),
        created=lookup.parsed_time(status.get("created_at")),
        url=str(status.get("url") or status.get("uri") or ""),
        shape=str(len(status.get("media_attachments") or [])),
        parent=str(status.get("in_reply_to_id") or ""),
    )
