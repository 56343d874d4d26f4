from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tidings.accounts.models import User


class UserTimeZoneMiddleware:
    """Show every time in the signed-in user's own time zone (times are stored in UTC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User):
            timezone.activate(user.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
