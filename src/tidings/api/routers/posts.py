"""Posts: create (idempotent), list with filters, read, edit, schedule, reschedule, unschedule, cancel, delete,
and their targets (retry a failed or skipped one; settle one whose send got no answer)."""

from typing import Annotated, cast

from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Status

from tidings.api.auth import actor_of, needs
from tidings.api.idempotency import HEADER, run_once
from tidings.api.pagination import paginate
from tidings.api.schemas import ERRORS, MAX_ID, ErrorOut
from tidings.api.schemas.posts import (
    CHECK_RESULTS,
    ChangedOut,
    CheckOut,
    CheckResult,
    PostCreateIn,
    PostFilters,
    PostOut,
    PostPage,
    PostUpdateIn,
    RetryIn,
    ScheduleIn,
    TargetList,
    TargetOut,
    WentOutIn,
)
from tidings.api.times import to_utc
from tidings.core.errors import Conflict, NotFound
from tidings.posts import retry, services, unconfirmed
from tidings.posts.models import PostTarget, TargetStatus
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

router = Router(tags=["posts"])
READ, WRITE = needs("posts:read"), needs("posts:write")
PostId = Annotated[int, Path(ge=1, le=MAX_ID)]
TargetId = Annotated[int, Path(ge=1, le=MAX_ID)]
CHANGE = {**ERRORS, 402: ErrorOut, 409: ErrorOut}


@router.post("/posts", response={201: PostOut, **CHANGE}, auth=WRITE)
def create_post(
    request: HttpRequest,
    response: HttpResponse,
    payload: PostCreateIn,
    idempotency_key: Annotated[str | None, Header(alias=HEADER, max_length=255)] = None,
) -> Status[object]:
    """A draft with one target per account. Send an Idempotency-Key to make a retried request safe."""
    actor = actor_of(request)

    def create() -> tuple[int, dict[str, object]]:
        post = services.create_post(
            actor,
            text=payload.text,
            link=payload.link,
            account_ids=payload.account_ids,
            options=payload.options_by_account(),
            thread_parts=payload.thread_parts,
            first_comment=payload.first_comment,
            tagging=payload.tagging(),
        )
        return 201, PostOut.of(post).model_dump(mode="json")

    answer = run_once(request, idempotency_key, create)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)


@router.get("/posts", response={200: PostPage, **ERRORS}, auth=READ)
def list_posts(request: HttpRequest, filters: Query[PostFilters]) -> dict[str, object]:
    workspace = actor_of(request).workspace
    posts = services.list_posts(
        workspace,
        status=filters.status,
        platform=filters.platform,
        scheduled_after=to_utc(filters.scheduled_after, workspace, field="scheduled_after"),
        scheduled_before=to_utc(filters.scheduled_before, workspace, field="scheduled_before"),
        search=filters.q,
    )
    return paginate(posts.select_related("tagging").prefetch_related("targets__attempt_history"), filters, PostOut.of)


@router.get("/posts/{post_id}", response={200: PostOut, **ERRORS}, auth=READ)
def get_post(request: HttpRequest, post_id: PostId) -> PostOut:
    return PostOut.of(services.get_post(actor_of(request).workspace, post_id))


@router.patch("/posts/{post_id}", response={200: PostOut, **CHANGE}, auth=WRITE)
def update_post(request: HttpRequest, post_id: PostId, payload: PostUpdateIn) -> PostOut:
    """Edit the text, link, accounts, options, thread or first comment of a draft or scheduled post; fields left
    out stay as they are."""
    post = services.update_post(
        actor_of(request),
        post_id,
        text=payload.text,
        link=payload.link,
        account_ids=payload.account_ids,
        options=payload.options_by_account(),
        thread_parts=payload.thread_parts,
        first_comment=payload.first_comment,
        tagging=payload.tagging(),
    )
    return PostOut.of(post)


@router.post("/posts/{post_id}/schedule", response={200: PostOut, **CHANGE}, auth=WRITE)
def schedule_post(request: HttpRequest, post_id: PostId, payload: ScheduleIn) -> PostOut:
    """Queue a draft, reserving one credit per target. A refusal keeps it a draft with the reason."""
    actor = actor_of(request)
    at = to_utc(payload.scheduled_at, actor.workspace, field="scheduled_at")
    assert at is not None
    return PostOut.of(services.schedule_post(actor, post_id, at=at))


@router.post("/posts/{post_id}/reschedule", response={200: PostOut, **CHANGE}, auth=WRITE)
def reschedule_post(request: HttpRequest, post_id: PostId, payload: ScheduleIn) -> PostOut:
    actor = actor_of(request)
    at = to_utc(payload.scheduled_at, actor.workspace, field="scheduled_at")
    assert at is not None
    return PostOut.of(services.reschedule_post(actor, post_id, at=at))


@router.post("/posts/{post_id}/unschedule", response={200: ChangedOut, **CHANGE}, auth=WRITE)
def unschedule_post(request: HttpRequest, post_id: PostId) -> ChangedOut:
    """Back to a draft; the credits are released."""
    return ChangedOut(post_id=post_id, targets_changed=services.unschedule_post(actor_of(request), post_id))


@router.post("/posts/{post_id}/cancel", response={200: ChangedOut, **CHANGE}, auth=WRITE)
def cancel_post(request: HttpRequest, post_id: PostId) -> ChangedOut:
    """Cancel what has not gone out yet; the credits are released."""
    return ChangedOut(post_id=post_id, targets_changed=services.cancel_post(actor_of(request), post_id))


@router.delete("/posts/{post_id}", response={204: None, **CHANGE}, auth=WRITE)
def delete_post(request: HttpRequest, post_id: PostId) -> Status[None]:
    services.delete_post(actor_of(request), post_id)
    return Status(204, None)


@router.get("/posts/{post_id}/targets", response={200: TargetList, **ERRORS}, auth=READ)
def list_targets(request: HttpRequest, post_id: PostId) -> TargetList:
    """Each account's copy of the post, with its own status, attempts and outcome."""
    post = services.get_post(actor_of(request).workspace, post_id)
    return TargetList(items=[TargetOut.of(t) for t in post.targets.order_by("pk").prefetch_related("attempt_history")])


@router.post("/posts/{post_id}/targets/{target_id}/retry", response={200: PostOut, **CHANGE}, auth=WRITE)
def retry_target(request: HttpRequest, post_id: PostId, target_id: TargetId, payload: RetryIn) -> PostOut:
    """Schedule a failed or skipped target again (a new credit is reserved)."""
    actor = actor_of(request)
    at = to_utc(payload.scheduled_at, actor.workspace, field="scheduled_at")
    _target_of(actor.workspace, post_id, target_id)
    retry.retry_target(actor, target_id, at=at)
    return PostOut.of(services.get_post(actor.workspace, post_id))


@router.post("/posts/{post_id}/targets/{target_id}/went-out", response={200: PostOut, **CHANGE}, auth=WRITE)
def mark_went_out(
    request: HttpRequest, post_id: PostId, target_id: TargetId, payload: WentOutIn | None = None
) -> PostOut:
    """An unconfirmed target is on the platform: it becomes published and its credit is spent."""
    actor = actor_of(request)
    _target_of(actor.workspace, post_id, target_id)
    unconfirmed.mark_went_out(actor, target_id, url=payload.url if payload else "")
    return PostOut.of(services.get_post(actor.workspace, post_id))


@router.post("/posts/{post_id}/targets/{target_id}/did-not-go-out", response={200: PostOut, **CHANGE}, auth=WRITE)
def mark_did_not_go_out(request: HttpRequest, post_id: PostId, target_id: TargetId) -> PostOut:
    """An unconfirmed target is not on the platform: it fails, its credit is released, and it can be retried."""
    actor = actor_of(request)
    _target_of(actor.workspace, post_id, target_id)
    unconfirmed.mark_did_not_go_out(actor, target_id)
    return PostOut.of(services.get_post(actor.workspace, post_id))


@router.post("/posts/{post_id}/targets/{target_id}/check", response={200: CheckOut, **CHANGE}, auth=WRITE)
def check_target(request: HttpRequest, post_id: PostId, target_id: TargetId) -> CheckOut:
    """Ask the platform whether an unconfirmed target went out, and settle it when the answer is sure."""
    actor = actor_of(request)
    target = _target_of(actor.workspace, post_id, target_id)
    actor.require(Action.SCHEDULE)  # the role is checked before the state is told
    # Asked first: for a target that has ended, the check answers its status, and "published" would read as found.
    result = target.status
    if target.status == TargetStatus.UNCONFIRMED:
        result = unconfirmed.check_unconfirmed(target_id, actor=actor)
    if target.status != TargetStatus.UNCONFIRMED or result not in CHECK_RESULTS:
        status = TargetStatus(result).label
        raise Conflict(f"Only a post whose outcome is unknown can be checked; this one is {status}.")
    return CheckOut(result=cast(CheckResult, result), target=TargetOut.of(PostTarget.objects.get(pk=target_id)))


def _target_of(workspace: Workspace, post_id: int, target_id: int) -> PostTarget:
    """The target, when it belongs to this post of this workspace; otherwise as absent as a missing one."""
    target = services.get_post(workspace, post_id).targets.filter(pk=target_id).first()
    if target is None:
        raise NotFound("No such target on this post.")
    return target
