"""How fast each platform lets us post: per account (per token) and per app, as the platforms document them.

The dispatcher claims a due target only while its account and the whole app have room in every window here, so one
account's burst waits in the posts table and never holds back another account's posts. A window of N posts per
S seconds is counted as a sliding window over our own targets; platforms that count per calendar day (LinkedIn,
YouTube) are held to at most as much. A post counts once, though a thread or a post with media makes several
calls: where the platform counts calls, the numbers below are its number of posting calls.

Where a platform publishes no fixed number (a formula over engagement, or limits shown only in its developer
console), there is no window here and its 429s with Retry-After are what slows us down; `note` says why.

The operator overrides any platform with `TIDINGS_RATE_<PLATFORM>` (per app) and `TIDINGS_ACCOUNT_RATE_<PLATFORM>`
(per account), each `"<posts>/<seconds>"`, several separated by commas, or `none`.

Reading a post's counts (`tidings.analytics`) is limited too. Where the platform limits reads apart from posts, the
read windows are beside the post windows (`reads_per_account`, `reads_per_app`; overrides `TIDINGS_READ_RATE_<P>`
and `TIDINGS_ACCOUNT_READ_RATE_<P>`); where one limit covers every call (`reads_share`), reads come out of the post
windows, and only out of the room publishing leaves (`tidings.analytics.reads`).
"""

import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from tidings.platforms.models import Platform

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0


@dataclass(frozen=True)
class Window:
    """At most `posts` posts in any `seconds`-long window; `source` is where the number comes from."""

    posts: int
    seconds: float
    source: str

    def __str__(self) -> str:
        return f"{self.posts} per {self.seconds:g} s"


@dataclass(frozen=True)
class Quotas:
    per_account: tuple[Window, ...] = ()
    per_app: tuple[Window, ...] = ()
    note: str = ""
    # Windows for reading posts' counts, where the platform counts reads apart from posts.
    reads_per_account: tuple[Window, ...] = ()
    reads_per_app: tuple[Window, ...] = ()
    # The post windows above limit every call, reads included.
    reads_share: bool = False


X_MANAGE_POSTS = "https://developer.x.com/en/docs/x-api/tweets/manage-tweets, Introduction"
BLUESKY_LIMITS = "https://docs.bsky.app/docs/advanced-guides/rate-limits"
X_RATE_LIMITS = "https://developer.x.com/en/docs/twitter-api/rate-limits, X API v2 rate limits"
TIKTOK_RATE_LIMITS = "https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit"
IG_LIMIT = (
    "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/"
    "content_publishing_limit, Reading (config.quota_total 50, quota_duration 86400)"
)

DEFAULT_QUOTAS: dict[str, Quotas] = {
    Platform.X: Quotas(
        per_account=(
            Window(200, 15 * MINUTE, f"{X_MANAGE_POSTS}: 200 requests per 15 minutes per user for POST"),
            Window(300, 3 * HOUR, f"{X_MANAGE_POSTS}: 300 requests per 3 hours, Posts and Retweets together"),
        ),
        reads_per_account=(Window(900, 15 * MINUTE, f"{X_RATE_LIMITS}: Tweet lookup, 900 per 15 minutes per user"),),
        note="The app-wide limits of POST /2/tweets depend on the access tier (Free, Basic, Pro): "
        "https://developer.x.com/en/docs/twitter-api/rate-limits, X API v2 rate limits per tier. "
        "Set TIDINGS_RATE_X to your tier's.",
    ),
    Platform.BLUESKY: Quotas(
        # 5,000 points an hour and 35,000 a day per account (DID); creating a record costs 3 points.
        per_account=(
            Window(1666, HOUR, f"{BLUESKY_LIMITS}, Created Actions per DID: 5,000 points/hour, CREATE 3 points"),
            Window(11666, DAY, f"{BLUESKY_LIMITS}, Created Actions per DID: 35,000 points/day, CREATE 3 points"),
        ),
        # Bluesky's own PDS limits every client address to 3,000 requests in 5 minutes, all routes together: for a
        # server posting for many accounts that is an app-wide limit. Accounts on other PDSes count elsewhere.
        per_app=(Window(3000, 5 * MINUTE, f"{BLUESKY_LIMITS}, Other Rate Limits: global limit by IP, 3000/5 min"),),
        # Counts are read through the account's PDS, so they fall under the same limit by IP as posting.
        reads_share=True,
    ),
    Platform.MASTODON: Quotas(
        per_account=(
            Window(
                300,
                5 * MINUTE,
                "https://docs.joinmastodon.org/api/rate-limits/, Per account: all endpoints, 300 per 5 minutes",
            ),
        ),
        reads_share=True,
        note="Each Mastodon server counts on its own (its limits per IP are per server), so there is no app-wide "
        "limit across servers; a server may set other numbers and says so in its 429s.",
    ),
    Platform.LINKEDIN: Quotas(
        note="LinkedIn limits each member and each app per day (reset at midnight UTC) but does not publish the "
        "numbers: https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits. They are on "
        "the app's Analytics tab in the Developer Portal: set TIDINGS_ACCOUNT_RATE_LINKEDIN and TIDINGS_RATE_LINKEDIN.",
    ),
    Platform.FACEBOOK: Quotas(
        note="Calls with a Page token fall under the Page's Business Use Case limit, 4800 calls per 24 hours times "
        "the Page's engaged users: a formula, not a number "
        "(https://developers.facebook.com/docs/graph-api/overview/rate-limiting/, Business Use Case Rate Limits).",
    ),
    Platform.INSTAGRAM: Quotas(
        per_account=(Window(50, DAY, IG_LIMIT),),
        note="App-wide calls fall under the account's Business Use Case limit (a formula over impressions).",
    ),
    Platform.THREADS: Quotas(
        per_account=(
            Window(
                250,
                DAY,
                "https://developers.facebook.com/docs/threads/overview/, Rate Limiting, Posts: 250 API-published "
                "posts per profile within a 24-hour moving period",
            ),
        ),
        note="Calls per app and user pair are 4800 times the profile's impressions per 24 hours: a formula.",
    ),
    Platform.TIKTOK: Quotas(
        per_account=(
            Window(
                6,
                MINUTE,
                "https://developers.tiktok.com/doc/content-posting-api-reference-direct-post, Initialize the posting "
                "request: each user access_token is limited to 6 requests per minute",
            ),
        ),
        reads_per_app=(Window(600, MINUTE, f"{TIKTOK_RATE_LIMITS}: /v2/video/query/, 600 per one-minute window"),),
        note="No app-wide posting limit is published; TikTok's per-app limits cover other endpoints "
        "(https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit).",
    ),
    Platform.YOUTUBE: Quotas(
        # Uploads have their own daily bucket per Google Cloud project; other calls (thumbnails, first comments)
        # come out of the project's 10,000 units.
        per_app=(
            Window(
                100,
                DAY,
                "https://developers.google.com/youtube/v3/determine_quota_cost: a default allocation of 100 "
                "videos.insert calls per day per project, reset at midnight Pacific Time",
            ),
        ),
        # videos.list costs 1 unit of the project's 10,000 a day, which publishing's other calls share
        # (thumbnails.set 50, a first comment 50): reads keep to half of it.
        reads_per_app=(
            Window(
                5000,
                DAY,
                "https://developers.google.com/youtube/v3/determine_quota_cost: 10,000 units a day per project, "
                "videos.list 1 unit; half left to publishing",
            ),
        ),
        note="No limit per channel is published: the project's quota is shared by every channel.",
    ),
    Platform.PINTEREST: Quotas(
        per_account=(
            Window(
                100,
                1.0,
                "https://developers.pinterest.com/docs/reference/rate-limits/: Standard access, 100 requests per "
                "second per user per app for all API requests",
            ),
        ),
        reads_share=True,
        note="An app on Trial access has 1000 requests per day in all (same page): "
        "set TIDINGS_RATE_PINTEREST=1000/86400.",
    ),
    Platform.WEBHOOK: Quotas(note="The receiver is the operator's or the user's own server."),
}


def parse_windows(text: str, *, source: str) -> tuple[Window, ...]:
    """`"<posts>/<seconds>"`, several separated by commas, or `none`; a bare number of posts means per second."""
    if text.strip().lower() in ("", "none"):
        return ()
    windows = []
    for part in text.split(","):
        posts, _, seconds = part.strip().partition("/")
        try:
            window = Window(int(posts), float(seconds or 1), source)
        except ValueError:
            raise ImproperlyConfigured(f'{source} must be "<posts>/<seconds>[,...]" or "none", not {text!r}.') from None
        if window.posts < 0 or window.seconds <= 0:
            raise ImproperlyConfigured(f"{source}: posts must be 0 or more and seconds more than 0, not {part!r}.")
        windows.append(window)
    return tuple(windows)


def _override(name: str, default: tuple[Window, ...]) -> tuple[Window, ...]:
    text = os.environ.get(name)
    return default if text is None else parse_windows(text, source=name)


def account_windows(platform: str) -> tuple[Window, ...]:
    """The windows every account on `platform` must fit its posts in."""
    default = DEFAULT_QUOTAS.get(platform, Quotas()).per_account
    return _override(f"TIDINGS_ACCOUNT_RATE_{platform.upper()}", default)


def app_windows(platform: str) -> tuple[Window, ...]:
    """The windows all of this server's posts to `platform` together must fit in."""
    default = DEFAULT_QUOTAS.get(platform, Quotas()).per_app
    return _override(f"TIDINGS_RATE_{platform.upper()}", default)


def read_account_windows(platform: str) -> tuple[Window, ...]:
    """The windows each account's reads of counts must fit in, where reads are limited apart from posts."""
    default = DEFAULT_QUOTAS.get(platform, Quotas()).reads_per_account
    return _override(f"TIDINGS_ACCOUNT_READ_RATE_{platform.upper()}", default)


def read_app_windows(platform: str) -> tuple[Window, ...]:
    """The windows all of this server's reads of counts from `platform` must fit in, where limited apart."""
    default = DEFAULT_QUOTAS.get(platform, Quotas()).reads_per_app
    return _override(f"TIDINGS_READ_RATE_{platform.upper()}", default)


def reads_share_posting(platform: str) -> bool:
    """Whether reads count in the post windows (the platform limits every call together)."""
    return DEFAULT_QUOTAS.get(platform, Quotas()).reads_share


def app_rate(platform: str) -> tuple[int, float] | None:
    """The tightest app-wide pace as (posts, seconds), or None when there is no app-wide window."""
    windows = app_windows(platform)
    if not windows:
        return None
    tightest = min(windows, key=lambda w: w.posts / w.seconds)
    return tightest.posts, tightest.seconds


def check_overrides() -> None:
    """Read every override once, so a malformed one stops a worker at start rather than its dispatch ticks."""
    for platform in Platform.values:
        account_windows(platform)
        app_windows(platform)
        read_account_windows(platform)
        read_app_windows(platform)
