"""One error shape for every failure, including paths and methods the API does not have, and our own bugs."""

import pytest

from tests.api.conftest import Api, error
from tidings.accounts.models import User
from tidings.api.routers import plan

pytestmark = pytest.mark.django_db


def test_an_unknown_path_is_a_json_404(alice_api: Api) -> None:
    error(alice_api.get("/nothing/here"), 404, "not_found")


def test_a_method_the_path_lacks_is_a_json_405(alice_api: Api) -> None:
    response = alice_api.put("/posts", {})
    error(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_an_id_out_of_range_is_400_not_a_crash(alice_api: Api) -> None:
    assert error(alice_api.get("/posts/99999999999999999999"), 400, "invalid_input")["field"] == "post_id"
    assert error(alice_api.get("/posts/abc"), 400, "invalid_input")["field"] == "post_id"


def test_an_unexpected_failure_is_a_json_500_without_internals(
    alice: User, alice_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(user: User) -> dict[str, object]:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(plan.summaries, "plan_summary", broken)
    response = alice_api.get("/plan")
    body = error(response, 500, "server_error")
    assert "secret internals" not in response.content.decode()
    assert body["message"]


def test_the_openapi_document_and_docs(alice_api: Api) -> None:
    document = Api(None).get("/openapi.json").json()
    assert document["info"]["title"] == "Tidings API"
    operation = document["paths"]["/api/v1/posts"]["post"]
    assert operation["security"] == [{"TokenAuth": ["posts:write"]}]
    assert "posts:write" in operation["description"]
    assert {"Idempotency-Key"} <= {p["name"] for p in operation["parameters"]}
    assert Api(None).get("/docs").status_code == 200
