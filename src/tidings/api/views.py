"""The token pages (a logged-in user's own tokens): list, create with the secret shown once, revoke. A token made
here acts in the workspace the person is working in now (their own, unless they switched)."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tidings.accounts.models import User
from tidings.api.forms import TokenForm
from tidings.api.queries import list_tokens
from tidings.api.services import create_token, revoke_token
from tidings.core.errors import DomainError, NotFound
from tidings.web.auth import acting


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TokenForm(request.POST or None, is_staff=user.is_staff)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        try:
            created, secret = create_token(
                acting(request),
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
            )
        except DomainError as error:
            field = error.details.get("field")
            form.add_error(field if field in form.fields else None, error.message)
        else:
            form = TokenForm(is_staff=user.is_staff)
    context = {
        "form": form,
        "tokens": list_tokens(user),
        "created": created,
        "secret": secret,
        "now": timezone.now(),
        "section": "tokens",
    }
    response = render(request, "api/tokens.html", context)
    # The secret is in this page only: no cache may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        revoke_token(_user(request), token_id)
    except NotFound:
        raise Http404("No such token.") from None
    return redirect("api-tokens")
