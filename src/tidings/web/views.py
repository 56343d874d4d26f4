from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tidings.accounts.models import User
from tidings.credits.services import available_credits, reserved_credits
from tidings.tiers.checks import can_generate, can_schedule, queue_size


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    demo_users = User.objects.filter(is_demo=True).order_by("credits", "username")
    return render(request, "web/home.html", {"demo_users": demo_users})


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    context = {
        "limits": [(name.value.replace("_", " "), value) for name, value in user.limits.items()],
        "available": available_credits(user),
        "reserved": reserved_credits(user.pk),
        "queue_size": queue_size(user),
        "schedule_decision": can_schedule(user),
        "generate_decision": can_generate(user),
        "notifications": user.notifications.all()[:10],
    }
    return render(request, "web/dashboard.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
