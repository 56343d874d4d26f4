from django.http import HttpRequest

from tidings.notifications.services import unread_count


def notifications(request: HttpRequest) -> dict[str, int]:
    """The bell's number on every page for a signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
