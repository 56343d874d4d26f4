from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from tidings.notifications.services import unread_count
from tidings.web.auth import acting
from tidings.workspaces.roles import Action
from tidings.workspaces.services import memberships_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    icon: str
    active: bool


# The app's sections in the order the navigation shows them: (label, URL, icon, the paths that belong to it).
SECTIONS = [
    ("Dashboard", "/dashboard/", "layout-dashboard", ("/dashboard/",)),
    ("Compose", "/compose/", "edit", ("/compose/", "/posts/")),
    ("Queue", "/queue/", "list-details", ("/queue/",)),
    ("Calendar", "/calendar/", "calendar", ("/calendar/",)),
    ("Write with AI", "/generate/", "sparkles", ("/generate/",)),
    ("Snippets and hashtags", "/library/", "message-plus", ("/library/",)),
    ("Automation", "/automation/", "robot", ("/automation/",)),
    ("Analytics", "/analytics/", "chart-bar", ("/analytics/",)),
    ("Accounts", "/connections/", "plug-connected", ("/connections/",)),
]


def notifications(request: HttpRequest) -> dict[str, int]:
    """The bell's number on every page for a signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}


def navigation(request: HttpRequest) -> dict[str, object]:
    """The sidebar's sections, the current one marked, for a signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": [
            NavItem(label, url, icon, request.path.startswith(paths)) for label, url, icon, paths in SECTIONS
        ],
        "settings_url": reverse("settings"),
    }


def workspace(request: HttpRequest) -> dict[str, object]:
    """The workspace the signed-in person works in (its plan, balances and zone), their place in it (`actor`), and
    every workspace they belong to, on every page: the layout's menu names the plan and switches workspaces."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    actor = acting(request)
    assert actor.user is not None
    return {
        "actor": actor,
        "workspace": actor.workspace,
        "memberships": memberships_of(actor.user),
        "may_approve": actor.may(Action.APPROVE),
    }
