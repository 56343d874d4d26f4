"""Home, dashboard, plan: what a signed-in user sees first."""

from csp.decorators import csp
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.static import serve

from tidings.accounts.models import User
from tidings.credits.models import Balance
from tidings.credits.selectors import balance_summary
from tidings.platforms.models import AccountStatus
from tidings.posts.mediatypes import TYPES
from tidings.posts.models import PostTarget, TargetStatus
from tidings.tiers.checks import (
    Decision,
    can_connect,
    can_generate,
    can_plan_post,
    can_schedule,
    can_use_automation,
)
from tidings.web.auth import signed_in
from tidings.web.landing import landing_context


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page; a signed-in user goes straight to the dashboard."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "web/home.html", landing_context())


def _posts_today(user: User) -> list[Decision]:
    """Today's posts per platform as scheduling counts them (published and planned), so the numbers shown are the
    ones a refusal would quote."""
    now = timezone.now()
    return [can_plan_post(user, platform=p, at=now) for p in _platforms_in_use(user)]


def _platforms_in_use(user: User) -> list[str]:
    active = user.social_accounts.exclude(status=AccountStatus.DISCONNECTED)
    return sorted(set(active.values_list("platform", flat=True)))


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    targets = PostTarget.objects.filter(post__user=user).select_related("post", "account")
    context = {
        "credits": balance_summary(user),
        "video_credits": balance_summary(user, Balance.VIDEO_CREDITS),
        "schedule_decision": can_schedule(user),
        "generate_decision": can_generate(user),
        "post_decisions": _posts_today(user),
        "upcoming": targets.filter(status=TargetStatus.SCHEDULED).order_by("scheduled_at")[:8],
        "failures": targets.filter(
            status__in=(TargetStatus.FAILED, TargetStatus.SKIPPED, TargetStatus.UNCONFIRMED)
        ).order_by("-updated_at")[:8],
        "reconnect": user.social_accounts.filter(status=AccountStatus.RECONNECT_NEEDED),
        "notifications": user.notifications.filter(read_at__isnull=True)[:5],
    }
    return render(request, "web/dashboard.html", context)


@login_required
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    decisions: list[Decision] = [can_schedule(user), can_generate(user), can_use_automation(user, adding=0)]
    decisions += [can_connect(user, platform=p) for p in _platforms_in_use(user)]
    decisions += _posts_today(user)
    limits = [(name.value.replace("_", " "), value) for name, value in user.limits.items()]
    return render(
        request,
        "web/plan.html",
        {
            "limits": limits,
            "decisions": decisions,
            "credits": balance_summary(user),
            "video_credits": balance_summary(user, Balance.VIDEO_CREDITS),
            "now": timezone.now(),
        },
    )


@require_GET
@csp({"default-src": ["'none'"], "sandbox": True})  # type: ignore[arg-type]  # django-csp types views as (request)
def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """An uploaded file by its unguessable name (for platforms that fetch media by URL), served only as the type
    its allowlisted extension names, and sandboxed: nothing else the bytes might be read as can run."""
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    name = path.rsplit("/", 1)[-1]
    response["Content-Type"] = TYPES[name.rsplit(".", 1)[-1]]
    response["Content-Disposition"] = f'inline; filename="{name}"'
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
