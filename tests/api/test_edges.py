"""The API's edges: oversized bodies, staff-only scopes, times given as numbers, and the rate limit headers on
answers that no operation gave (unknown paths, wrong methods)."""

import pytest
from django.test import override_settings

from tests.api.conftest import Api, error, token
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.api.errors import Forbidden
from tidings.api.models import ApiToken, RateLimitWindow
from tidings.api.services import create_token

pytestmark = pytest.mark.django_db
NOT_A_NUMBER = "Give an ISO 8601 time such as 2030-01-31T09:00:00+02:00, not a number."


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_upload_limit_is_413(alice: User) -> None:
    api = Api(token(alice, ["tokens"]))
    response = api.post("/tokens", {"name": "x" * 2000, "scopes": ["tokens"]})
    body = error(response, 413, "payload_too_large")
    assert body == {
        "code": "payload_too_large",
        "message": "The request body is larger than the 1000 bytes allowed.",
        "limit": 1000,
    }
    assert response["RateLimit-Remaining"] == "119"
    assert ApiToken.objects.count() == 1


def test_a_staff_only_scope_for_a_non_staff_user_is_403(alice: User) -> None:
    api = Api(token(alice, ["tokens"]))
    body = error(api.post("/tokens", {"name": "ops", "scopes": ["events"]}), 403, "forbidden")
    assert body == {"code": "forbidden", "message": "Only staff may have the events scope.", "field": "scopes"}
    with pytest.raises(Forbidden):
        create_token(owner(alice), name="ops", scopes=["posts:read", "events"])
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("value", ["1700000000", "1700000000.5", "-5", " 17 "])
def test_a_query_time_given_as_a_number_is_refused(alice_api: Api, value: str) -> None:
    for field in ("scheduled_after", "scheduled_before"):
        body = error(alice_api.get("/posts", {field: value}), 400, "invalid_input")
        assert (body["field"], body["message"]) == (field, f"{field}: {NOT_A_NUMBER}")


def test_iso_query_times_are_read(alice_api: Api) -> None:
    response = alice_api.get("/posts", {"scheduled_after": "2030-01-01T00:00:00Z", "scheduled_before": "2030-01-02"})
    assert (response.status_code, response.json()["count"]) == (200, 0)


@pytest.mark.parametrize("value", [1900000000, 1900000000.0, "1900000000"])
def test_a_body_time_given_as_a_number_is_refused(alice: User, value: object) -> None:
    api = Api(token(alice))
    body = error(api.post("/tokens", {"name": "n", "scopes": ["tokens"], "expires_at": value}), 400, "invalid_input")
    assert (body["field"], body["message"]) == ("expires_at", f"expires_at: {NOT_A_NUMBER}")
    body = error(api.post("/posts/1/schedule", {"scheduled_at": value}), 400, "invalid_input")
    assert (body["field"], body["message"]) == ("scheduled_at", f"scheduled_at: {NOT_A_NUMBER}")
    assert ApiToken.objects.count() == 1


def test_unknown_paths_and_wrong_methods_carry_and_spend_the_tokens_budget(alice: User) -> None:
    api = Api(token(alice))
    missing = api.get("/nothing/here")
    error(missing, 404, "not_found")
    wrong = api.put("/posts", {})
    error(wrong, 405, "method_not_allowed")
    for response in (missing, wrong):
        assert (response["RateLimit-Limit"], response["RateLimit-Policy"]) == ("120", "120;w=60")
        assert 1 <= int(response["RateLimit-Reset"]) <= 60
    assert [missing["RateLimit-Remaining"], wrong["RateLimit-Remaining"]] == ["119", "118"]
    assert api.get("/plan")["RateLimit-Remaining"] == "117"


@override_settings(TIDINGS_API_RATE_LIMIT=1)
def test_past_the_limit_an_unknown_path_is_429(alice: User) -> None:
    api = Api(token(alice))
    assert api.get("/plan").status_code == 200
    for response in (api.get("/nothing"), api.put("/posts", {})):
        body = error(response, 429, "rate_limited")
        assert response["Retry-After"] == str(body["retry_after"])
        assert response["RateLimit-Remaining"] == "0"


def test_without_a_valid_token_nothing_is_counted_on_unknown_paths(alice: User) -> None:
    for secret in (None, "tdg_nope_nope", "nonsense"):
        missing, wrong = Api(secret).get("/nothing"), Api(secret).put("/posts", {})
        error(missing, 404, "not_found")
        error(wrong, 405, "method_not_allowed")
        assert "RateLimit-Limit" not in missing
        assert "RateLimit-Limit" not in wrong
    assert not RateLimitWindow.objects.exists()
