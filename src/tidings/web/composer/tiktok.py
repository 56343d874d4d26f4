"""The TikTok part of an account's tab: what the creator may post, asked of TikTok when the tab is drawn (htmx),
shown with the choices made kept, as the Content Sharing Guidelines ask."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from tidings.core.errors import DomainError, NotFound
from tidings.platforms.creator import fetch_creator_info
from tidings.web.auth import acting
from tidings.web.composer.options import TikTokForm


@login_required
@require_POST
def creator(request: HttpRequest, account_id: int) -> HttpResponse:
    """The creator's nickname, privacy levels and interaction switches, with what the composer holds for them."""
    workspace = acting(request).workspace
    form = TikTokForm(request.POST, prefix=f"opt-{account_id}")
    context: dict[str, object] = {"opts": form, "account_id": account_id}
    try:
        context["creator"] = fetch_creator_info(workspace, account_id)
    except NotFound:
        raise
    except DomainError as refusal:
        context["problem"] = refusal.message
    return render(request, "web/composer/tiktok_creator.html", context)
