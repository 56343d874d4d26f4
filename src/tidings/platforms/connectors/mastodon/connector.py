"""Mastodon: sign in on the user's server with PKCE, post statuses (threads as replies) with media.

- Apps are registered per server on first use (`api.registered_app`); PKCE S256 is sent (Mastodon 4.3+ checks it,
  older servers ignore it). https://docs.joinmastodon.org/spec/oauth/
- Statuses carry our key as `Idempotency-Key`: Mastodon answers a repeat within an hour with the status it made
  (https://docs.joinmastodon.org/methods/statuses/#create, "Idempotency keys are stored for up to 1 hour"). Past
  that a repeat would post twice, so a send in doubt is first looked for among the account's statuses
  (`find_published`).
- Tokens do not expire; a revoked one answers 401.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.utils import timezone

from tidings.platforms.base import (
    AuthorizationRequest,
    Capabilities,
    Content,
    Identity,
    OutcomeUnknown,
    PermanentError,
    Published,
    PublishFailure,
    TokenSet,
    TransientError,
)
from tidings.platforms.connectors import lookup, thread
from tidings.platforms.connectors.api import open_stored
from tidings.platforms.connectors.base import BaseConnector
from tidings.platforms.connectors.mastodon import api, instance
from tidings.platforms.connectors.oauth2 import OAuth2App, authorization_request, exchange_code
from tidings.platforms.connectors.waiting import NotYet, Patience, until_ready
from tidings.platforms.media import MB, MediaItem, MediaRules, media_problems
from tidings.platforms.models import MastodonApp, Platform, SocialAccount
from tidings.platforms.options import MastodonOptions, options_for
from tidings.platforms.rules import TextRules, split_into_thread, text_length, text_problems

# Mastodon's defaults (app/models/media_attachment.rb): 4 attachments, images up to 16 MB, one video up to 99 MB;
# each server's own limits replace them (`instance`).
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
    # Large media is processed after the upload, usually within seconds; a long video takes minutes.
    patience: ClassVar[Patience] = Patience(first=5.0, longest=30.0, most=10 * 60.0, inline=5.0)

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
        try:
            limits = {instance.OPTION: instance.stored(instance.fetch_limits(base))}
        except PublishFailure:
            limits = {}  # read again at the first publish; meanwhile Mastodon's defaults
        return Identity(
            # Account ids are per server: qualified, so accounts on two servers never share one.
            external_id=f"{me['id']}@{host}",
            handle=f"@{me['username']}@{host}",
            display_name=str(me.get("display_name") or ""),
            base_url=base,
            options=limits,
        )

    def text_rules(self, account: SocialAccount) -> TextRules:
        """This server's length limit and link length, as last read from it."""
        return instance.text_rules(account)

    def refresh_credentials(self, account: SocialAccount) -> TokenSet:
        """Nothing to refresh; checking the token tells a revoked one (ReauthRequired) in time."""
        api.request("GET", f"{account.base_url}/api/v1/accounts/verify_credentials", token=account.access_token)
        return TokenSet(access_token=account.access_token, refresh_token=account.refresh_token, scope=account.scopes)

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        """Checked against the server's limits as stored on the account: no request at compose or schedule."""
        text, rules = _text(content), instance.text_rules(account)
        media_rules = instance.media_rules(account, MEDIA_RULES)
        problems = thread.comment_problems(Platform.MASTODON, content.first_comment)
        if content.parts:
            written = [text, *(part.text for part in content.parts)]
            return (
                problems
                + thread.hand_thread_problems(
                    Platform.MASTODON,
                    content,
                    text,
                    media_check=lambda media: media_problems("Mastodon", media_rules, media),
                    rules=rules,
                )
                + warning_problems(content, written, rules)
            )
        parts = [] if not text and content.media else _parts(text, rules) or [text]
        for part in parts:
            problems.extend(p for p in text_problems(Platform.MASTODON, part, rules=rules) if p not in problems)
        if len(parts) > MAX_THREAD_PARTS:
            problems.append(f"This would be a thread of {len(parts)} posts; Tidings sends at most {MAX_THREAD_PARTS}.")
        problems += warning_problems(content, parts, rules)
        return problems + media_problems("Mastodon", media_rules, content.media)

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        """Each status its own key, the same on every attempt (the first the target's key, then "-1", "-2", ...,
        the first comment "-comment"): a retry while the server holds them gets back the statuses already made."""
        instance.refresh_limits(account)
        posts = thread.pieces(Platform.MASTODON, content, _text(content), rules=instance.text_rules(account))
        media_ids = self._media(account, posts, content.progress)
        shared = status_options(content)
        statuses: list[dict[str, Any]] = []
        for index, (piece, ids) in enumerate(zip(posts, media_ids, strict=True)):
            body: dict[str, Any] = {"status": piece.text, **shared}
            if ids:
                body["media_ids"] = ids
            if statuses:
                body["in_reply_to_id"] = str(statuses[-1]["id"])
            statuses.append(
                self._status(account, body, idempotency_key if index == 0 else f"{idempotency_key}-{index}")
            )
        root = statuses[0]
        published = Published(external_id=str(root["id"]), url=str(root.get("url") or root.get("uri") or ""))
        comment = {"status": content.first_comment.strip(), "in_reply_to_id": published.external_id, **shared}
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

        rules = instance.text_rules(account)
        parts = [piece.text for piece in thread.pieces(Platform.MASTODON, content, _text(content), rules=rules)]
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
        return None if found.notice and key_held else found

    def _media(self, account: SocialAccount, posts: list[thread.Piece], progress: Mapping[str, Any]) -> list[list[str]]:
        """Every file of every post uploaded once, then awaited while the server processes it: a check handed back
        (`waiting`) resumes from the media ids, one list per post, instead of uploading again."""
        media_ids = [[str(m) for m in ids] for ids in progress.get("media_ids") or []]
        pending = [str(m) for m in progress.get("pending") or []]
        if not media_ids:
            for piece in posts:
                ids: list[str] = []
                for item in piece.media:
                    media_id, processing = self._upload(account, item)
                    ids.append(media_id)
                    if processing:
                        pending.append(media_id)
                media_ids.append(ids)
        if pending:

            def check() -> bool | NotYet:
                # GET /api/v1/media/:id answers 206 while processing, 200 once ready.
                for media_id in list(pending):
                    url = f"{account.base_url}/api/v1/media/{media_id}"
                    if api.request("GET", url, token=account.access_token).status_code == 200:
                        pending.remove(media_id)
                return True if not pending else NotYet()

            made = {"media_ids": media_ids, "pending": pending}
            until_ready(check, patience=self.patience, progress=progress, made=made, label=self.label, what="the media")
        return media_ids

    def _upload(self, account: SocialAccount, item: MediaItem) -> tuple[str, bool]:
        """The file uploaded (POST /api/v2/media, https://docs.joinmastodon.org/methods/media/#v2): its id, and
        whether the server is still processing it (202)."""
        name = item.path.rsplit("/", 1)[-1]
        # Streamed from the file in blocks: a video may be tens of megabytes.
        with open_stored(item) as file:
            response = api.request(
                "POST",
                f"{account.base_url}/api/v2/media",
                token=account.access_token,
                files={"file": (name, file, item.mime_type)},
                data={"description": item.alt_text} if item.alt_text else None,
            )
        return str(api.json_of(response)["id"]), response.status_code == 202


def _parts(text: str, rules: TextRules) -> list[str]:
    return split_into_thread(Platform.MASTODON, text, rules=rules)


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


def status_options(content: Content) -> dict[str, str]:
    """The post's visibility, content warning and language as POST /api/v1/statuses takes them, on every status of
    a thread (https://docs.joinmastodon.org/methods/statuses/#create); those left blank are the account's defaults."""
    options = options_for(MastodonOptions, content.options)
    fields: dict[str, str] = {"visibility": options.visibility} if options.visibility else {}
    if options.spoiler_text:
        fields["spoiler_text"] = options.spoiler_text
    if options.language:
        fields["language"] = options.language
    return fields


def warning_problems(content: Content, parts: list[str], rules: TextRules) -> list[str]:
    """Mastodon counts a content warning with the text of the status it is on (its StatusLengthValidator), so
    each status of the post must leave room for it within the server's limit."""
    warning = options_for(MastodonOptions, content.options).spoiler_text
    limit = rules.max_length
    if not warning or limit is None:
        return []
    room = limit - text_length(Platform.MASTODON, warning, rules=rules)
    if any(text_length(Platform.MASTODON, part, rules=rules) > room for part in parts):
        return [
            f"With its content warning, each Mastodon post holds {max(room, 0)} characters; shorten the text or "
            "the warning."
        ]
    return []
