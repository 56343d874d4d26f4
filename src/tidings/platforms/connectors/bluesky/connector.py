"""Bluesky: sessions from an app password, posts and threads as `app.bsky.feed.post` records on the user's PDS.

https://docs.bsky.app/docs/advanced-guides/posts. Every record key comes from the idempotency key
(`records.record_key`), so a retry meets the record it wrote: `com.atproto.repo.getRecord` finds it, and a create
that fails because the key is taken (the reference PDS answers that with a 500) is resolved the same way. A thread's
posts and its first comment (a reply to the first post, `reply.root` and `reply.parent` both its strong ref) have
keys of their own, so a resume writes only what is missing.
"""

from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from tidings.platforms.base import (
    Capabilities,
    Content,
    Identity,
    PermanentError,
    Published,
    ReauthRequired,
    TokenSet,
    TransientError,
)
from tidings.platforms.config import server_allowed
from tidings.platforms.connectors import thread
from tidings.platforms.connectors.base import BaseConnector
from tidings.platforms.connectors.bluesky import embeds, records, richtext, xrpc
from tidings.platforms.media import MB, MediaRules, media_problems
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.options import BlueskyOptions, options_for
from tidings.platforms.rules import split_into_thread, text_problems
from tidings.platforms.tokens import store_tokens

DEFAULT_SERVICE = "https://bsky.social"
# app.bsky.embed.images: at most 4 images (each scaled down to the 1,000,000-byte blob limit when larger), or one
# video (app.bsky.embed.video: mp4 of at most 100,000,000 bytes; Bluesky takes up to 3 minutes), never both.
MEDIA_RULES = MediaRules(
    max_items=4,
    max_image_bytes=20 * MB,
    max_videos=1,
    video_types=frozenset({"video/mp4"}),
    max_video_bytes=100_000_000,
    max_video_seconds=180,
)
MAX_POST_BYTES = 3000  # the record's `text` maxLength, besides its 300 graphemes
MAX_THREAD_PARTS = 25
# The first comment's record key, after any thread part's.
COMMENT_INDEX = 99


def _text(content: Content) -> str:
    text = content.text.strip()
    return f"{text}\n\n{content.link}".strip() if content.link and content.link not in text else text


def _service_url(value: str) -> str:
    url = (value or DEFAULT_SERVICE).strip().rstrip("/")
    parts = urlsplit(url)
    # https, so the app password never travels in clear; a PDS on this machine only in development.
    if not parts.hostname or not server_allowed(parts.scheme, parts.hostname) or parts.username:
        raise PermanentError("Give the server as an https:// address, or leave it blank for bsky.social.")
    return url


def _pds_endpoint(session: dict[str, Any], fallback: str) -> str:
    """The account's own PDS from its DID document; bsky.social is an entryway that forwards to it."""
    did_doc = session.get("didDoc")
    services = did_doc.get("service", []) if isinstance(did_doc, dict) else []
    for service in services:
        if isinstance(service, dict) and str(service.get("id", "")).endswith("#atproto_pds"):
            return str(service.get("serviceEndpoint") or fallback).rstrip("/")
    return fallback


def _tokens(session: dict[str, Any]) -> TokenSet:
    access = str(session["accessJwt"])
    return TokenSet(access_token=access, refresh_token=str(session["refreshJwt"]), expires_at=xrpc.token_expiry(access))


class BlueskyConnector(BaseConnector):
    platform: ClassVar[str] = Platform.BLUESKY
    capabilities: ClassVar[Capabilities] = Capabilities(
        idempotent_publish=True, can_find_published=True, threads=True, first_comment=True
    )
    connect_method: ClassVar[str] = "credentials"

    def connect_with_credentials(self, fields: dict[str, str]) -> tuple[Identity, TokenSet]:
        """`identifier` (or `handle`): a handle, DID or e-mail; `app_password`; optional `service` (the PDS)."""
        identifier = (fields.get("identifier") or fields.get("handle") or "").strip().removeprefix("@")
        password = (fields.get("app_password") or "").strip()
        if not identifier or not password:
            raise PermanentError("Give your Bluesky handle and an app password.")
        service = _service_url(fields.get("service", ""))
        body = {"identifier": identifier, "password": password}
        try:
            session = xrpc.call("POST", service, "com.atproto.server.createSession", body=body)
        except ReauthRequired:
            raise PermanentError("Bluesky did not accept this handle and app password; check both.") from None
        if xrpc.token_scope(str(session.get("accessJwt", ""))) == "com.atproto.access":
            # A full session means the account password was typed: refuse it, we only keep revocable app passwords.
            raise PermanentError("Use an app password (Bluesky: Settings, Privacy and security, App passwords).")
        identity = Identity(
            external_id=str(session["did"]), handle=str(session["handle"]), base_url=_pds_endpoint(session, service)
        )
        return identity, _tokens(session)

    def refresh_credentials(self, account: SocialAccount) -> TokenSet:
        try:
            session = xrpc.call(
                "POST", account.base_url, "com.atproto.server.refreshSession", token=account.refresh_token
            )
        except xrpc.ExpiredToken:
            raise ReauthRequired("The Bluesky session ended; reconnect the account with an app password.") from None
        return _tokens(session)

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        text = _text(content)
        comment = content.first_comment.strip()
        problems = thread.comment_problems(Platform.BLUESKY, comment) + _byte_problems("The first comment", comment)
        if content.parts:
            problems += thread.hand_thread_problems(
                Platform.BLUESKY, content, text, media_check=lambda media: media_problems("Bluesky", MEDIA_RULES, media)
            )
            for number, piece in enumerate(thread.pieces(Platform.BLUESKY, content, text), start=1):
                problems += _byte_problems(thread.post_label(number), piece.text)
            return problems
        # Images alone make a post; otherwise the text is checked part by part as it would be threaded.
        parts = [] if not text and content.media else split_into_thread(Platform.BLUESKY, text) or [text]
        for part in parts:
            problems.extend(p for p in text_problems(Platform.BLUESKY, part) if p not in problems)
            if len(part.encode()) > MAX_POST_BYTES:
                problems.append(f"A Bluesky post holds at most {MAX_POST_BYTES} bytes of text; shorten it.")
        if len(parts) > MAX_THREAD_PARTS:
            problems.append(f"This would be a thread of {len(parts)} posts; Tidings sends at most {MAX_THREAD_PARTS}.")
        return problems + media_problems("Bluesky", MEDIA_RULES, content.media)

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        try:
            return self._publish(account, content, idempotency_key)
        except xrpc.ExpiredToken:
            store_tokens(account, tokens=self.refresh_credentials(account))
        try:
            return self._publish(account, content, idempotency_key)
        except xrpc.ExpiredToken:
            raise ReauthRequired("Bluesky refused the new session; reconnect the account.") from None

    def _publish(self, account: SocialAccount, content: Content, key: str) -> Published:
        posts = thread.pieces(Platform.BLUESKY, content, _text(content))
        # Every file goes up (and the link card is read) before anything is public; a card only on the first post.
        attached = [
            embeds.embed_for(account, text=piece.text, media=piece.media, link=content.link if index == 0 else "")
            if piece.media or index == 0
            else None
            for index, piece in enumerate(posts)
        ]
        resolved: dict[str, str | None] = {}
        root: dict[str, str] | None = None
        parent: dict[str, str] | None = None
        for index, (piece, embed) in enumerate(zip(posts, attached, strict=True)):
            reply = records.reply_refs(root, parent) if root and parent else None
            found = richtext.facets(account.base_url, piece.text, resolved=resolved)
            record = records.post_record(piece.text, reply=reply, embed=embed, facets=found)
            record |= record_options(content)
            parent = self._create_or_find(account, records.record_key(key, index), record)
            root = root or parent
        assert root is not None
        first = root

        def post_comment(_: Published) -> None:
            comment = content.first_comment.strip()
            found = richtext.facets(account.base_url, comment, resolved=resolved)
            record = records.post_record(comment, reply=records.reply_refs(first, first), facets=found)
            record |= record_options(content)
            self._create_or_find(account, records.record_key(key, COMMENT_INDEX), record)

        # An expired session is not the comment's failure: `publish` renews it and writes what is missing again.
        published = self._published(account, root["uri"])
        return thread.with_comment(
            self.label, published, content.first_comment, post_comment, passes=(xrpc.ExpiredToken,)
        )

    def _create_or_find(self, account: SocialAccount, rkey: str, record: dict[str, Any]) -> dict[str, str]:
        body = {"repo": account.external_id, "collection": records.POST, "rkey": rkey, "record": record}
        try:
            answer = xrpc.call(
                "POST",
                account.base_url,
                "com.atproto.repo.createRecord",
                token=account.access_token,
                body=body,
                write=True,
            )
        except (PermanentError, TransientError):
            # Taken by an earlier attempt of ours? Then that record is the answer; otherwise the error stands.
            existing = self._get(account, rkey)
            if existing is None:
                raise
            return records.strong_ref(existing)
        return records.strong_ref(answer)

    def _get(self, account: SocialAccount, rkey: str) -> dict[str, Any] | None:
        params = {"repo": account.external_id, "collection": records.POST, "rkey": rkey}
        try:
            return xrpc.call("GET", account.base_url, "com.atproto.repo.getRecord", params=params)
        except PermanentError:
            return None  # 400 RecordNotFound

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: datetime | None
    ) -> Published | None:
        """The post sent with this key, when all of it is there. A thread cut short (a hand-written part, or the
        first comment, missing; or a numbered part "k/n" with k < n the last one found) counts as not published:
        publishing again writes only the missing records."""
        root = self._get(account, records.record_key(idempotency_key, 0))
        if root is None:
            return None
        wanted = len(content.parts) + 1 if content.parts else MAX_THREAD_PARTS
        last, count = root, 1
        for index in range(1, wanted):
            found = self._get(account, records.record_key(idempotency_key, index))
            if found is None:
                break
            last, count = found, count + 1
        if content.parts and count < wanted:
            return None
        # Only a split text is numbered; a hand-written post reading "1/3" is the user's own words.
        if not content.parts and records.looks_unfinished(str(last.get("value", {}).get("text", ""))):
            return None
        if (
            content.first_comment.strip()
            and self._get(account, records.record_key(idempotency_key, COMMENT_INDEX)) is None
        ):
            return None
        return self._published(account, str(root["uri"]))

    def _published(self, account: SocialAccount, uri: str) -> Published:
        rkey = uri.rsplit("/", 1)[-1]
        return Published(external_id=uri, url=f"https://bsky.app/profile/{account.external_id}/post/{rkey}")


def record_options(content: Content) -> dict[str, Any]:
    """The post's languages as the record's `langs` (at most 3, BCP 47: the `app.bsky.feed.post` lexicon), on
    every post of a thread; none chosen leaves `langs` out, as the app does when it cannot tell."""
    langs = options_for(BlueskyOptions, content.options).langs
    return {"langs": langs} if langs else {}


def _byte_problems(label: str, text: str) -> list[str]:
    if len(text.encode()) > MAX_POST_BYTES:
        return [f"{label}: a Bluesky post holds at most {MAX_POST_BYTES} bytes of text; shorten it."]
    return []
