from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tidings.accounts.models import User
from tidings.web.auth import acting


class WorkspaceTimeZoneMiddleware:
    """Show every time in the zone of the workspace the signed-in person works in (times are stored in UTC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if isinstance(getattr(request, "user", None), User):
            timezone.activate(acting(request).workspace.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
