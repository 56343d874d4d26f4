"""The one place where a failure becomes an API response: `{"error": {"code", "message", ...details}}`.

Statuses: 400 invalid input (the field is named), 401 no valid token, 402 not enough credits, 403 a missing scope,
a staff-only operation, a role in the workspace too low for the action (`role_too_low` with role, needed and
action) or a plan limit (`tier_limit_reached` with limit, used and tier), 404 not found (also another workspace's
object), 405 method not allowed, 409 conflict, 413 a body over Django's upload limit
(`DATA_UPLOAD_MAX_MEMORY_SIZE`), 429 rate limited, 502/503 the AI provider failed
or is not set up, 500 anything unexpected (logged, never with internals).
"""

import logging
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tidings.core.errors import DomainError
from tidings.generation.writers.base import ProviderUnavailable

logger = logging.getLogger(__name__)

STATUS: dict[str, int] = {
    "invalid_input": 400,
    "unauthorized": 401,
    "insufficient_credits": 402,
    "forbidden": 403,
    "tier_limit_reached": 403,
    "role_too_low": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "no_free_slot": 409,
    "payload_too_large": 413,
    "rate_limited": 429,
    "ai_provider_failure": 502,
    "ai_provider_auth": 502,
    "ai_provider_error": 502,
    "no_ai_provider": 503,
    "ai_provider_misconfigured": 503,
    "ai_provider_unavailable": 503,
}


STATUS_CODES = {403: "forbidden", 404: "not_found", 429: "rate_limited"}


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **details}}


def domain_error_response(error: DomainError) -> HttpResponse:
    response = JsonResponse({"error": error.as_dict()}, status=STATUS.get(error.code, 400))
    if isinstance(error, Unauthorized):
        response["WWW-Authenticate"] = 'Bearer realm="tidings"'
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    if isinstance(error, ProviderUnavailable) and error.retry_after:
        response["Retry-After"] = str(math.ceil(error.retry_after))
    return response


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "payload", "text")` -> "text"; `("query", "limit")` -> "limit"; a whole body -> "body"."""
    parts = [str(part) for part in loc[1:] if part != "payload"]
    return ".".join(parts) or str(loc[0] if loc else "body")


def validation_error_response(error: ValidationError) -> HttpResponse:
    errors = [{"field": _field(e.get("loc", ())), "message": str(e.get("msg", "Invalid value."))} for e in error.errors]
    first = errors[0] if errors else {"field": "body", "message": "Invalid input."}
    message = f"{first['field']}: {first['message']}"
    return JsonResponse(error_body("invalid_input", message, field=first["field"], errors=errors), status=400)


def not_found_response(message: str = "Not found.") -> HttpResponse:
    return JsonResponse(error_body("not_found", message), status=404)


def install(api: NinjaAPI, *, finish: Callable[[HttpRequest, HttpResponse], object]) -> None:
    """Route every exception an operation can raise through this module; `finish` adds the rate limit headers.
    (Ninja types a handler's error as the class or an instance, hence `Any`.)"""

    def _finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        finish(request, response)
        return response

    def on_domain_error(request: HttpRequest, error: Any) -> HttpResponse:
        return _finish(request, domain_error_response(error))

    def on_validation_error(request: HttpRequest, error: Any) -> HttpResponse:
        return _finish(request, validation_error_response(error))

    def on_too_big(request: HttpRequest, error: Any) -> HttpResponse:
        # Django raises this when the body is first read, which ninja does outside its own error handling.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        too_big = PayloadTooLarge(f"The request body is larger than the {limit} bytes allowed.", limit=limit)
        return on_domain_error(request, too_big)

    def on_404(request: HttpRequest, error: Any) -> HttpResponse:
        return _finish(request, not_found_response())

    def on_http_error(request: HttpRequest, error: Any) -> HttpResponse:
        if isinstance(error, AuthenticationError):
            return on_domain_error(request, Unauthorized("Send a valid API token: Authorization: Bearer <token>."))
        if error.status_code == 400:  # the one HttpError ninja raises itself: a body it cannot read
            body = error_body("invalid_input", "The request body must be a JSON object.", field="body")
        else:
            body = error_body(STATUS_CODES.get(error.status_code, "error"), str(error))
        return _finish(request, JsonResponse(body, status=error.status_code))

    def on_exception(request: HttpRequest, error: Any) -> HttpResponse:
        logger.exception("API request %s %s failed", request.method, request.path)
        body = error_body("server_error", "Something went wrong on our side; it has been logged.")
        return _finish(request, JsonResponse(body, status=500))

    api.add_exception_handler(DomainError, on_domain_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Exception, on_exception)
