"""Automation rules: a standing brief on a cron in the workspace's time zone. Enabling one counts against the plan."""

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Status

from tidings.api import queries
from tidings.api.auth import actor_of, needs
from tidings.api.idempotency import HEADER, run_once
from tidings.api.pagination import paginate
from tidings.api.schemas import ERRORS, MAX_ID, ErrorOut, PageQuery
from tidings.api.schemas.automation import RuleIn, RuleOut, RulePage
from tidings.automation import services
from tidings.automation.services import get_rule, save_rule, set_rule_enabled
from tidings.core.errors import InvalidInput

router = Router(tags=["automation"])
AUTH = needs("automation")
RuleId = Annotated[int, Path(ge=1, le=MAX_ID)]
CHANGE = {**ERRORS, 409: ErrorOut}


def _save(request: HttpRequest, payload: RuleIn, rule_id: int | None = None) -> RuleOut:
    if not payload.feed_url.strip() and not payload.brief.topic.strip():
        # Named as the schema names it, as when the topic was required outright.
        raise InvalidInput("Say what the post is about.", field="brief.topic")
    rule = save_rule(
        actor_of(request),
        name=payload.name,
        schedule=payload.schedule,
        brief=payload.brief.model_dump(),
        account_ids=payload.account_ids,
        enabled=payload.enabled,
        review=payload.review,
        platform_options=payload.platform_options,
        feed_url=payload.feed_url,
        feed_mode=payload.feed_mode,
        rule_id=rule_id,
    )
    return RuleOut.of(rule)


@router.get("/automation/rules", response={200: RulePage, **ERRORS}, auth=AUTH)
def list_rules(request: HttpRequest, page: Query[PageQuery]) -> dict[str, object]:
    return paginate(queries.list_rules(actor_of(request).workspace), page, RuleOut.of)


@router.post("/automation/rules", response={201: RuleOut, **CHANGE}, auth=AUTH)
def create_rule(
    request: HttpRequest,
    response: HttpResponse,
    payload: RuleIn,
    idempotency_key: Annotated[str | None, Header(alias=HEADER, max_length=255)] = None,
) -> Status[object]:
    answer = run_once(request, idempotency_key, lambda: (201, _save(request, payload).model_dump(mode="json")))
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)


@router.get("/automation/rules/{rule_id}", response={200: RuleOut, **ERRORS}, auth=AUTH)
def get_rule_detail(request: HttpRequest, rule_id: RuleId) -> RuleOut:
    return RuleOut.of(get_rule(actor_of(request).workspace, rule_id))


@router.put("/automation/rules/{rule_id}", response={200: RuleOut, **CHANGE}, auth=AUTH)
def update_rule(request: HttpRequest, rule_id: RuleId, payload: RuleIn) -> RuleOut:
    """Replace the rule's settings."""
    return _save(request, payload, rule_id)


@router.post("/automation/rules/{rule_id}/enable", response={200: RuleOut, **CHANGE}, auth=AUTH)
def enable_rule(request: HttpRequest, rule_id: RuleId) -> RuleOut:
    return RuleOut.of(set_rule_enabled(actor_of(request), rule_id, enabled=True))


@router.post("/automation/rules/{rule_id}/disable", response={200: RuleOut, **CHANGE}, auth=AUTH)
def disable_rule(request: HttpRequest, rule_id: RuleId) -> RuleOut:
    return RuleOut.of(set_rule_enabled(actor_of(request), rule_id, enabled=False))


@router.delete("/automation/rules/{rule_id}", response={204: None, **CHANGE}, auth=AUTH)
def delete_rule(
    request: HttpRequest,
    response: HttpResponse,
    rule_id: RuleId,
    idempotency_key: Annotated[str | None, Header(alias=HEADER, max_length=255)] = None,
) -> Status[None]:
    """Delete the rule; the posts it already wrote stay. With an Idempotency-Key, a retried delete answers 204
    again instead of 404."""

    def delete() -> tuple[int, dict[str, object]]:
        services.delete_rule(actor_of(request), rule_id)
        return 204, {}

    answer = run_once(request, idempotency_key, delete)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(204, None)
