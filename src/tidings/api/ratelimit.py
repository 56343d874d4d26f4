"""Per-token rate limit: a fixed window counted in the database, so it holds across every web process.

Every authenticated response carries the IETF draft headers (RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset,
RateLimit-Policy); a refusal is 429 with Retry-After. A request with a valid token that reaches no operation (404 on
an unknown path, 405) counts and carries them too (`auth.count_unrouted`); one without a valid token counts nothing.
The limit is `settings.TIDINGS_API_RATE_LIMIT` requests per `settings.TIDINGS_API_RATE_WINDOW` seconds (defaults
120 per 60).
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from tidings.api.errors import RateLimited
from tidings.api.models import RateLimitWindow

DEFAULT_LIMIT, DEFAULT_WINDOW = 120, 60
_ATTRIBUTE = "tidings_rate_limit"


@dataclass(frozen=True)
class RateState:
    limit: int
    window: int
    used: int
    reset: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit


def policy() -> tuple[int, int]:
    return (
        int(getattr(settings, "TIDINGS_API_RATE_LIMIT", DEFAULT_LIMIT)),
        int(getattr(settings, "TIDINGS_API_RATE_WINDOW", DEFAULT_WINDOW)),
    )


def hit(token_id: int) -> RateState:
    """Count one request for the token in the current window and return where it stands.

    The increment and the read run in one transaction: the UPDATE holds the row until commit (PostgreSQL) or the
    write lock is taken up front (SQLite), so concurrent requests each read their own count.
    """
    limit, seconds = policy()
    now = timezone.now().timestamp()
    window = int(now // seconds)
    rows = RateLimitWindow.objects.filter(token_id=token_id, window=window)
    with transaction.atomic():
        if not rows.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateLimitWindow.objects.create(token_id=token_id, window=window, count=1)
                RateLimitWindow.objects.filter(token_id=token_id, window__lt=window).delete()
            except IntegrityError:
                rows.update(count=F("count") + 1)
        used = rows.values_list("count", flat=True).get()
    return RateState(limit=limit, window=seconds, used=used, reset=max(1, math.ceil((window + 1) * seconds - now)))


def enforce(request: HttpRequest, token_id: int) -> None:
    """Count the request; remember the state for the response headers; refuse it past the limit."""
    state = hit(token_id)
    setattr(request, _ATTRIBUTE, state)
    if state.exceeded:
        raise RateLimited(
            f"Too many requests: this token may make {state.limit} per {state.window} seconds. "
            f"Try again in {state.reset} seconds.",
            retry_after=state.reset,
            limit=state.limit,
        )


def add_headers(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    state: RateState | None = getattr(request, _ATTRIBUTE, None)
    if state is not None:
        response["RateLimit-Limit"] = str(state.limit)
        response["RateLimit-Remaining"] = str(state.remaining)
        response["RateLimit-Reset"] = str(state.reset)
        response["RateLimit-Policy"] = f"{state.limit};w={state.window}"
    return response
