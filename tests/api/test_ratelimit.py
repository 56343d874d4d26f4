"""Per-token rate limits, counted in the database, with the IETF draft headers and a 429 with Retry-After."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from tests.api.conftest import Api, error, token
from tidings.accounts.models import User
from tidings.api.models import RateLimitWindow

pytestmark = pytest.mark.django_db


@override_settings(TIDINGS_API_RATE_LIMIT=3, TIDINGS_API_RATE_WINDOW=60)
def test_headers_count_down_then_429_with_retry_after(alice: User) -> None:
    secret = token(alice)
    with time_machine.travel(timezone.now().replace(second=10), tick=False):
        remaining = []
        for _ in range(3):
            response = Api(secret).get("/plan")
            assert response.status_code == 200
            assert response["RateLimit-Limit"] == "3"
            assert response["RateLimit-Reset"] == "50"
            assert response["RateLimit-Policy"] == "3;w=60"
            remaining.append(response["RateLimit-Remaining"])
        assert remaining == ["2", "1", "0"]
        # A new client (another process would be the same): the count lives in the database.
        refused = Api(secret).get("/posts")
        body = error(refused, 429, "rate_limited")
        assert body["retry_after"] == 50
        assert refused["Retry-After"] == "50"
        assert refused["RateLimit-Remaining"] == "0"
        other = Api(token(alice))
        assert other.get("/plan").status_code == 200
    with time_machine.travel(timezone.now().replace(second=10) + timedelta(seconds=60), tick=False):
        response = Api(secret).get("/plan")
        assert response.status_code == 200
        assert response["RateLimit-Remaining"] == "2"
    # Old windows are pruned as new ones start.
    assert RateLimitWindow.objects.count() == 2


def test_errors_carry_the_headers_too(alice: User) -> None:
    response = Api(token(alice)).get("/posts/999")
    error(response, 404, "not_found")
    assert response["RateLimit-Remaining"] == "119"


def test_requests_without_a_valid_token_are_not_counted(alice: User) -> None:
    error(Api("tdg_nope_nope").get("/plan"), 401, "unauthorized")
    assert not RateLimitWindow.objects.exists()
