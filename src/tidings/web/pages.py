"""Home, dashboard, plan: what a signed-in person sees first, of the workspace they work in."""

from csp.decorators import csp
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET
from django.views.static import serve

from tidings.credits.models import Balance
from tidings.credits.selectors import balance_summary
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.posts.mediatypes import DOWNLOADS, TYPES
from tidings.tiers.checks import can_generate, can_schedule
from tidings.tiers.plans import Tier
from tidings.tiers.upgrade import upgrade_path
from tidings.web import attention, overview, plan_usage
from tidings.web.auth import acting
from tidings.web.landing import landing_context
from tidings.web.onboarding import onboarding_steps


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page; a signed-in user goes straight to the dashboard."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "web/home.html", landing_context())


def _platforms_in_use(accounts: list[SocialAccount]) -> list[str]:
    return sorted({a.platform for a in accounts if a.status != AccountStatus.DISCONNECTED})


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The state of things at a glance: what needs attention (each with its action), what goes out next, credits
    this cycle and posts per day."""
    actor = acting(request)
    workspace = actor.workspace
    accounts = list(workspace.social_accounts.all())
    platforms = _platforms_in_use(accounts)
    credits = balance_summary(workspace)
    video_credits = balance_summary(workspace, Balance.VIDEO_CREDITS)
    queue = can_schedule(workspace)
    rings = {"credits": credits, "video-credits": video_credits}
    checklist = onboarding_steps(actor)
    context = {
        "onboarding": checklist,
        "attention": attention.attention(
            workspace,
            credits=credits,
            video_credits=video_credits,
            queue=queue,
            accounts=accounts,
            checklist_shown=checklist.visible,
            role=actor.role,
        ),
        "next_up": overview.next_up(workspace),
        "credits": credits,
        "video_credits": video_credits,
        "credit_rings": [{"id": key, "summary": summary} for key, summary in rings.items()],
        "credit_chart": [
            {"id": key, "used": summary.used_this_cycle, "reserved": summary.reserved, "available": summary.available}
            for key, summary in rings.items()
        ],
        "per_day": overview.posts_per_day(workspace),
        "schedule_decision": queue,
        "generate_decision": can_generate(workspace),
        "post_decisions": overview.posts_today(workspace, platforms),
    }
    return render(request, "web/dashboard.html", context)


@login_required
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    """The plan's limits in words with what is used of each, the credits and their ledger this cycle, the plans
    side by side, and how to upgrade on this server."""
    workspace = acting(request).workspace
    per_platform = plan_usage.connected_per_platform(workspace)
    context = {
        "usage": plan_usage.usage(workspace, sorted(per_platform), per_platform),
        "comparison": plan_usage.comparison(workspace),
        "tiers": [(tier.value, tier.name.title()) for tier in Tier],
        "balances": [balance_summary(workspace), balance_summary(workspace, Balance.VIDEO_CREDITS)],
        "has_accounts": bool(per_platform),
        "cycle_ledger": plan_usage.cycle_ledger(workspace),
        "recent_ledger": plan_usage.recent_ledger(workspace),
        "upgrade": upgrade_path(),
        "top_tier": workspace.tier == Tier.BUSINESS,
    }
    return render(request, "web/plan.html", context)


@require_GET
@csp({"default-src": ["'none'"], "sandbox": True})  # type: ignore[arg-type]  # django-csp types views as (request)
def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """An uploaded file by its unguessable name (for platforms that fetch media by URL), served only as the type
    its allowlisted extension names, and sandboxed: nothing else the bytes might be read as can run. A document
    (PDF) comes as a download, so no browser's viewer runs what it may carry in this site's origin."""
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    name = path.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1]
    response["Content-Type"] = TYPES[extension]
    disposition = "attachment" if extension in DOWNLOADS else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# Mounted at / by tidings.web.urls.
urls = [
    path("", home, name="home"),
    path("dashboard/", dashboard, name="dashboard"),
    path("plan/", plan, name="plan"),
    path("healthz", healthz, name="healthz"),
]
