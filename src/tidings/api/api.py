"""The API instance: routers, the one error mapping, and the rate limit headers on every response."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from tidings.api import errors
from tidings.api.auth import TokenAuth
from tidings.api.parser import JsonObjectParser
from tidings.api.ratelimit import add_headers
from tidings.api.routers import (
    accounts,
    analytics,
    approvals,
    automation,
    credits,
    events,
    generation,
    imports,
    library,
    notifications,
    plan,
    posts,
    recurrence,
    slots,
    tagging,
    tokens,
    webhooks,
    workspaces,
)

DESCRIPTION = """\
The Tidings REST API. Authenticate with a personal access token: `Authorization: Bearer tdg_...` (create one at
/api/v1/tokens/ui/ or with `tidings create-token`). Each operation needs one scope. A token acts in one workspace,
with the role its person has there: what it may change is what that role may.

Every failure answers `{"error": {"code": ..., "message": ..., ...}}`: 400 `invalid_input` (with `field`),
401 `unauthorized`, 402 `insufficient_credits`, 403 `forbidden` (scope or staff), `role_too_low` (with `role`,
`needed` and `action`) or `tier_limit_reached` (with `limit`, `used` and `tier`), 404 `not_found`,
405 `method_not_allowed`, 409 `conflict`, 413 `payload_too_large` (with `limit` in bytes), 429 `rate_limited`
(with `Retry-After`), 503 when no AI provider is set up or it is unreachable.

Times are ISO 8601 only (a bare number such as `1700000000` is refused, not read as Unix time): with an offset as
given, without one in the workspace's time zone (a local time that daylight saving skips or repeats is refused).
Lists take `limit` (at most 100) and `offset`. Every response to a valid token carries `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset`, a 404 for an unknown path or a 405 included: those requests count
against the token too. `POST /posts`, `POST /posts/{id}/queue`, `POST /imports`, `POST /snippets`,
`POST /hashtag-groups`, `POST /automation/rules`, `DELETE /automation/rules/{id}`, and creating a webhook endpoint,
pinging it and redelivering accept an `Idempotency-Key`: the same key with the same request answers as the first
time did. CSV exports (`/exports/posts.csv`, `/exports/ledger.csv`) are streamed; a cell that starts with = + - @,
a tab or a carriage return has an apostrophe put before it, so no spreadsheet runs it as a formula.
"""


class TidingsAPI(NinjaAPI):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scopes_by_operation: dict[str, list[str]] = {}

    def create_response(self, request: HttpRequest, data: Any, **kwargs: Any) -> HttpResponse:
        response = super().create_response(request, data, **kwargs)
        add_headers(request, response)
        return response

    def get_openapi_operation_id(self, operation: Operation) -> str:
        name = operation.view_func.__name__
        scopes = [auth.scope for auth in operation.auth_callbacks if isinstance(auth, TokenAuth) and auth.scope]
        self.scopes_by_operation[name] = scopes
        return name

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        """Ninja's document, with each operation's scope in its security requirement and its description."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                scopes = self.scopes_by_operation.get(operation.get("operationId", ""))
                if scopes:
                    operation["security"] = [{"TokenAuth": scopes}]
                    needed = f"Needs the `{scopes[0]}` scope."
                    operation["description"] = f"{operation.get('description', '')}\n\n{needed}".strip()
        return schema


api = TidingsAPI(
    title="Tidings API", version="1", description=DESCRIPTION, urls_namespace="api-v1", parser=JsonObjectParser()
)
errors.install(api, finish=add_headers)
for module in (
    posts,
    approvals,
    accounts,
    tagging,
    generation,
    library,
    automation,
    notifications,
    credits,
    plan,
    events,
    tokens,
    webhooks,
    workspaces,
    recurrence,
    analytics,
    imports,
    slots,
):
    api.add_router("", module.router)
