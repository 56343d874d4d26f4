"""The one place where a refusal no page handles becomes the web's answer: a role too low is 403 with the reason,
a missing (or another workspace's) object 404. Pages show their other refusals on themselves, as a toast or on the
form, and let these two pass (`except (RoleTooLow, NotFound): raise` before their `except DomainError`)."""

import json
from collections.abc import Callable

from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tidings.core.errors import DomainError, NotFound
from tidings.workspaces.roles import RoleTooLow

STATUS = {RoleTooLow: 403, NotFound: 404}
TITLES = {403: "Your role does not allow this", 404: "Not found"}


def refusal_page(request: HttpRequest, error: DomainError, status: int) -> HttpResponse:
    """The page that says why; to htmx, the same status with the reason as a toast (htmx swaps no error page)."""
    if getattr(request, "htmx", False):
        response = HttpResponse(error.message, status=status, content_type="text/plain; charset=utf-8")
        response["HX-Trigger"] = json.dumps({"toast": {"message": error.message, "level": "error"}})
        return response
    context = {"title": TITLES[status], "message": error.message, "status": status}
    return render(request, "web/refused.html", context, status=status)


class RefusalMiddleware:
    """Turns a RoleTooLow or NotFound raised by a view into its page (anything else goes on to Django)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        for kind, status in STATUS.items():
            if isinstance(exception, kind):
                return refusal_page(request, exception, status)
        return None


def show_on_form(form: BaseForm, error: DomainError) -> None:
    """A refusal shown on the form: on the field it names when the form has that field, else above the form."""
    field = str(error.details.get("field") or "")
    form.add_error(field if field in form.fields else None, error.message)
