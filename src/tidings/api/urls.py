from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path

from tidings.api import views
from tidings.api.api import api
from tidings.api.auth import count_unrouted
from tidings.api.errors import RateLimited, domain_error_response, error_body, not_found_response
from tidings.api.ratelimit import add_headers


def _counted(request: HttpRequest, answer: Callable[[], HttpResponse]) -> HttpResponse:
    """`answer()` for a request no operation took, counted against its token and with its rate limit headers."""
    try:
        count_unrouted(request)
    except RateLimited as refused:
        response = domain_error_response(refused)
    else:
        response = answer()
    add_headers(request, response)
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    """Unknown paths under /api/v1/ answer in the API's error format, not with an HTML page."""
    return _counted(request, lambda: not_found_response("No such API endpoint."))


def _json_405(view: Callable[..., Any]) -> Callable[..., Any]:
    """Ninja answers a method a path does not have with a plain-text 405; answer in the API's error format."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            body = error_body("method_not_allowed", f"{request.method} is not allowed here; use {allowed}.")
            response = _counted(request, lambda: JsonResponse(body, status=405, headers={"Allow": allowed}))
        return response

    return wrapped


def _api_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = [
        URLPattern(p.pattern, _json_405(p.callback), p.default_args, p.name) if isinstance(p, URLPattern) else p
        for p in patterns
    ]
    return wrapped, app_name, namespace


urlpatterns: list[URLPattern | URLResolver] = [
    path("tokens/ui/", views.tokens, name="api-tokens"),
    path("tokens/ui/<int:token_id>/revoke/", views.revoke, name="api-token-revoke"),
    path("", _api_urls()),
    re_path(r"^.*$", not_found),
]
