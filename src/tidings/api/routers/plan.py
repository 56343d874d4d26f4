"""The workspace's plan, its limits (with any overrides) and what is used of each; any valid token may read it."""

from django.http import HttpRequest
from ninja import Router

from tidings.api import summaries
from tidings.api.auth import actor_of, needs
from tidings.api.schemas import ERRORS
from tidings.api.schemas.credits import PlanOut

router = Router(tags=["plan"])


@router.get("/plan", response={200: PlanOut, **ERRORS}, auth=needs())
def get_plan(request: HttpRequest) -> dict[str, object]:
    return summaries.plan_summary(actor_of(request).workspace)
