"""Pinterest through API v5: one image or video Pin per post, on the post's own board or else the account's default.

The boards: at connect time (and when the user refreshes them) every board from GET /v5/boards, all its pages, is
kept in `SocialAccount.options["boards"]` as [{"id", "name"}]; the default, `options["board_id"]`, is the first
public board (else the first), until the user picks another on the connection card. A post may name its own board
(`content.options["board_id"]`). An account without boards cannot connect (our scopes cannot create one).

Pins take no idempotency key, but each Pin we create carries a private note with ours
(https://help.pinterest.com/en/article/add-notes-to-your-pins), so after an unanswered send we can look at the
board's newest Pins and tell whether it arrived. A video goes up first through Pinterest's media upload
(`pinterest_video`).
"""

import base64
import re
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
from django.core.files.storage import default_storage

from tidings.platforms.base import (
    Capabilities,
    Content,
    Identity,
    PermanentError,
    Published,
    PublishFailure,
    RateLimited,
    ReauthRequired,
    TokenSet,
    TransientError,
)
from tidings.platforms.connectors.api import ApiConnector
from tidings.platforms.connectors.oauth2 import OAuth2App
from tidings.platforms.connectors.pinterest_video import upload_video, video_source
from tidings.platforms.errors import classify_status, retry_after_seconds
from tidings.platforms.media import MB, MediaItem, MediaRules, media_problems
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.options import PinterestOptions, options_for
from tidings.platforms.rules import text_problems

API = "https://api.pinterest.com/v5"
SCOPES = ("boards:read", "pins:read", "pins:write", "user_accounts:read")
# image_base64 takes image/jpeg and image/png (https://developers.pinterest.com/docs/api/v5/pins-create);
# images up to 20 MB; video MP4 or MOV, up to 2 GB, 4 s to 15 min
# (https://help.pinterest.com/en/business/article/pinterest-product-specs, "Standard video Pins").
RULES = MediaRules(
    max_items=1,
    image_types=frozenset({"image/jpeg", "image/png"}),
    video_types=frozenset({"video/mp4", "video/quicktime"}),
    max_image_bytes=20 * MB,
    max_video_bytes=2048 * MB,
    max_videos=1,
    min_video_seconds=4,
    max_video_seconds=15 * 60,
    requires_media=True,
)
# Pin fields: title 100, alt text 500, link 2048 characters (the pins-create reference).
TITLE_CHARS, ALT_CHARS, LINK_CHARS = 100, 500, 2048
BOARD_URL = re.compile(rf"^{re.escape(API)}/boards/([^/]+)$")
# The recheck after an unanswered send comes soon after it, so the Pin is among the board's newest.
RECENT_PINS = 100
# Pages of the board listing read at most (100 boards each).
MAX_BOARD_PAGES = 20


def note_for(idempotency_key: str) -> str:
    return f"Sent by Tidings ({idempotency_key})"


def pinterest_failure(response: httpx.Response) -> PublishFailure:
    """Pinterest's error body: {"code": <int>, "message": <str>}."""
    try:
        text = str(response.json().get("message") or "")
    except (ValueError, AttributeError):
        text = response.text[:300]
    message = f"Pinterest refused the Pin ({response.status_code}): {text}".strip()
    kind = classify_status(response.status_code)
    if kind is RateLimited:
        return RateLimited(message, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    if response.status_code == 401:
        return ReauthRequired("Pinterest no longer accepts this account's sign-in.")
    # A 403 is about the board or the account's standing, which reconnecting does not change.
    return TransientError(message) if kind is TransientError else PermanentError(message)


class PinterestConnector(ApiConnector):
    platform: ClassVar[str] = Platform.PINTEREST
    capabilities: ClassVar[Capabilities] = Capabilities(
        can_find_published=True, notes=("Pins go to the board chosen for the post, else the account's default.",)
    )
    # Access tokens last 30 days (refresh tokens a year): https://developers.pinterest.com/docs/getting-started/authentication-and-scopes/
    refresh_ahead: ClassVar[timedelta] = timedelta(days=3)

    def oauth_app(self, client_id: str, client_secret: str) -> OAuth2App:
        return OAuth2App(
            client_id,
            client_secret,
            authorize_url="https://www.pinterest.com/oauth/",
            token_url=f"{API}/oauth/token",
            scopes=SCOPES,
            # Pinterest documents no PKCE; its token endpoint takes the app's id and secret as HTTP Basic.
            pkce=False,
            token_auth="basic",  # noqa: S106 (a method's name, not a secret)
            scope_separator=",",
        )

    def identify(self, tokens: TokenSet) -> Identity:
        """The user, with their boards and the default one Pins go to: the first public board, else the first."""
        user = self._call("GET", "/user_account", tokens.access_token)
        boards = self.boards(tokens.access_token)
        if not boards:
            raise PermanentError("This Pinterest account has no boards; create one on Pinterest, then connect again.")
        default = next((b for b in boards if b["privacy"] == "PUBLIC"), boards[0])
        username = str(user.get("username") or "")
        return Identity(
            external_id=str(user.get("id") or username),
            handle=username,
            display_name=str(user.get("business_name") or username)[:255],
            options={"boards": [_kept(board) for board in boards], "board_id": default["id"]},
        )

    def boards(self, token: str) -> list[dict[str, str]]:
        """Every board of the account, following `bookmark` from page to page: "List boards",
        https://developers.pinterest.com/docs/api/v5/boards-list (`page_size` at most 250, `bookmark` cursor)."""
        boards: list[dict[str, str]] = []
        params = {"page_size": "100"}
        for _ in range(MAX_BOARD_PAGES):
            data = self._call("GET", "/boards", token, params=params)
            for board in data.get("items") or []:
                if isinstance(board, dict) and board.get("id"):
                    name, privacy = str(board.get("name") or board["id"]), str(board.get("privacy") or "")
                    boards.append({"id": str(board["id"]), "name": name, "privacy": privacy})
            if not data.get("bookmark"):
                break
            params = {"page_size": "100", "bookmark": str(data["bookmark"])}
        return boards

    def validate(self, account: SocialAccount, content: Content) -> list[str]:
        problems = text_problems(Platform.PINTEREST, content.text) + media_problems("Pinterest", RULES, content.media)
        if len(content.link) > LINK_CHARS:
            problems.append(f"Pinterest links hold at most {LINK_CHARS} characters.")
        if any(len(item.alt_text) > ALT_CHARS for item in content.media):
            problems.append(f"Pinterest alt text holds at most {ALT_CHARS} characters.")
        chosen = options_for(PinterestOptions, content.options).board_id
        boards = {str(board["id"]) for board in account_boards(account)}
        if chosen and boards and chosen not in boards:
            problems.append("The chosen Pinterest board is not among this account's boards; choose another.")
        elif not chosen and not _default_board(account):
            problems.append("This Pinterest account has no board chosen; pick one on its connection card.")
        return problems

    def publish(self, account: SocialAccount, content: Content, *, idempotency_key: str) -> Published:
        if not content.media:
            raise PermanentError("Pinterest needs an image or a video.")
        item, board = content.media[0], _board_id(account, content)
        if item.kind == "video":
            source = video_source(
                upload_video(self, item, token=account.access_token, progress=content.progress), dict(content.options)
            )
        else:
            source = _image_source(item)
        options = options_for(PinterestOptions, content.options)
        first_line = content.text.strip().splitlines()[0] if content.text.strip() else ""
        body: dict[str, Any] = {
            "board_id": board,
            "title": options.title or first_line[:TITLE_CHARS],
            "description": content.text,
            "note": note_for(idempotency_key),
            "media_source": source,
        }
        if content.link:
            body["link"] = content.link
        if item.alt_text:
            body["alt_text"] = item.alt_text
        pin = self._call("POST", "/pins", account.access_token, json=body)
        return _published(pin)

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: datetime | None
    ) -> Published | None:
        path = f"/boards/{_board_id(account, content)}/pins"
        pins = self._call("GET", path, account.access_token, params={"page_size": str(RECENT_PINS)}).get("items") or []
        note = note_for(idempotency_key)
        return next((_published(pin) for pin in pins if pin.get("note") == note), None)

    def _call(self, method: str, path: str, token: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        # The only POST creates a Pin: its lost answer leaves the Pin in doubt (settled by `find_published`).
        response = self.request(method, f"{API}{path}", sends=method == "POST", headers=headers, **kwargs)
        return dict(response.json())

    def failure(self, response: httpx.Response) -> PublishFailure:
        return pinterest_failure(response)


def _image_source(image: MediaItem) -> dict[str, str]:
    try:
        with default_storage.open(image.path, "rb") as file:
            data = base64.b64encode(file.read()).decode("ascii")
    except OSError:
        raise PermanentError(f"The image {image.path.rsplit('/', 1)[-1]} is missing from the media store.") from None
    return {"source_type": "image_base64", "content_type": image.mime_type, "data": data}


def account_boards(account: SocialAccount) -> list[dict[str, str]]:
    """The boards kept on the account at connect time (`options["boards"]`: [{"id", "name"}])."""
    boards = account.options.get("boards") if isinstance(account.options, dict) else None
    return [b for b in boards or [] if isinstance(b, dict) and b.get("id")]


def _default_board(account: SocialAccount) -> str:
    """The account's standing board: `options["board_id"]`, else the one kept in `base_url` by older connects."""
    chosen = str((account.options or {}).get("board_id") or "")
    if chosen:
        return chosen
    match = BOARD_URL.match(account.base_url)
    return match.group(1) if match else ""


def _board_id(account: SocialAccount, content: Content) -> str:
    """The post's own board if one was chosen, else the account's default."""
    board = options_for(PinterestOptions, content.options).board_id or _default_board(account)
    if not board:
        raise PermanentError("This Pinterest account has no board chosen; pick one on its connection card.")
    return board


def _kept(board: dict[str, str]) -> dict[str, str]:
    """What `options["boards"]` keeps of a board: its id and name."""
    return {"id": board["id"], "name": board["name"]}


def _published(pin: dict[str, Any]) -> Published:
    return Published(str(pin["id"]), f"https://www.pinterest.com/pin/{pin['id']}/")
