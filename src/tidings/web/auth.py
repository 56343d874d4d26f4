from django.http import HttpRequest

from tidings.accounts.models import User


def signed_in(request: HttpRequest) -> User:
    """The request's user, for views behind login_required."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionError("This page needs a signed-in user.")
    return user
