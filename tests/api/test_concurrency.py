"""Rate limits and idempotency keys under concurrent requests, each thread with its own database connection
(as separate web processes would have): SQLite serialises writers, PostgreSQL locks rows."""

import pytest
from django.test import override_settings

from tests.api.conftest import Api, token
from tests.concurrency.test_races import run_together
from tidings.accounts.models import User
from tidings.api.models import ApiToken
from tidings.api.ratelimit import hit
from tidings.posts.models import Post

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 20


def test_every_concurrent_request_gets_its_own_count(alice: User) -> None:
    token(alice)
    token_id = ApiToken.objects.get().pk
    outcomes = run_together([lambda: hit(token_id).used for _ in range(THREADS)])
    assert sorted(int(used) for used in outcomes.elements()) == list(range(1, THREADS + 1))


@override_settings(TIDINGS_API_RATE_LIMIT=5)
def test_the_limit_holds_exactly_under_concurrency(alice: User) -> None:
    secret = token(alice)
    outcomes = run_together([lambda: Api(secret).get("/plan").status_code for _ in range(THREADS)])
    assert outcomes == {"200": 5, "429": THREADS - 5}


def test_one_key_sent_at_once_creates_one_post(bob: User) -> None:
    secret = token(bob)

    def create() -> int:
        return Api(secret).post("/posts", {"text": "Once"}, headers={"Idempotency-Key": "k1"}).status_code

    outcomes = run_together([create for _ in range(10)])
    assert Post.objects.count() == 1
    assert set(outcomes) <= {"201", "409"}
    assert outcomes["201"] >= 1
