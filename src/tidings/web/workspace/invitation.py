"""The page an invitation link opens: who invites whom to what, and Accept once signed in with the invited address.
Signed out, it offers to log in or sign up and comes back here afterwards."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from tidings.core.errors import DomainError, NotFound
from tidings.web.auth import WORKSPACE_KEY, signed_in
from tidings.workspaces import invitations
from tidings.workspaces.roles import Role


@require_http_methods(["GET", "POST"])
def invitation_page(request: HttpRequest, secret: str) -> HttpResponse:
    try:
        found = invitations.find_open(secret)
    except NotFound as error:
        return render(request, "web/workspace/invitation.html", {"problem": error.message}, status=404)
    except DomainError as error:
        return render(request, "web/workspace/invitation.html", {"problem": error.message}, status=410)
    here = reverse("invitation", args=[secret])
    context = {
        "invitation": found,
        "role": Role(found.role),
        "login_url": f"{reverse('login')}?{urlencode({'next': here})}",
        "signup_url": f"{reverse('signup')}?{urlencode({'invitation': secret})}",
    }
    if request.method == "POST" and request.user.is_authenticated:
        try:
            joined = invitations.accept(signed_in(request), secret=secret)
        except DomainError as error:
            context["problem"] = error.message
        else:
            request.session[WORKSPACE_KEY] = joined.workspace_id
            messages.success(request, f"Welcome to {joined.workspace.name}.")
            return redirect("dashboard")
    return render(request, "web/workspace/invitation.html", context)


urls = [path("invitations/<str:secret>/", invitation_page, name="invitation")]
