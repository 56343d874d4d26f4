"""The posting schedule: read and replace the weekly slots, ask for the next free slot, add a post to the queue
(idempotent), and shuffle or reorder the slot queue."""

from typing import Annotated

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Status

from tidings.api.auth import actor_of, needs
from tidings.api.idempotency import HEADER, run_once
from tidings.api.routers.posts import CHANGE
from tidings.api.schemas import ERRORS, MAX_ID
from tidings.api.schemas.posts import PostOut
from tidings.api.schemas.slots import MovedOut, NextSlotOut, ScheduleIn, ScheduleOut, SlotOut
from tidings.core.errors import InvalidInput, NotFound
from tidings.planning import queue, services
from tidings.planning.finder import next_free_slot
from tidings.planning.models import PostingSlot
from tidings.platforms.models import SocialAccount
from tidings.workspaces.models import Workspace

router = Router(tags=["slots"])
READ, WRITE = needs("posts:read"), needs("posts:write")
PostId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _schedule(workspace: Workspace) -> ScheduleOut:
    slots = PostingSlot.objects.filter(workspace=workspace).order_by(
        F("account_id").asc(nulls_first=True), "weekday", "time", "pk"
    )
    return ScheduleOut(time_zone=workspace.time_zone, slots=[SlotOut.of(s) for s in slots])


@router.get("/slots", response={200: ScheduleOut, **ERRORS}, auth=READ)
def get_slots(request: HttpRequest) -> ScheduleOut:
    """Every slot of the workspace: those with an `account_id` are that account's own, the rest the workspace's."""
    return _schedule(actor_of(request).workspace)


@router.put("/slots", response={200: ScheduleOut, **CHANGE}, auth=WRITE)
def put_slots(request: HttpRequest, payload: ScheduleIn) -> ScheduleOut:
    """Replace one week of slots: the account's, or the workspace's without `account_id`."""
    actor = actor_of(request)
    services.set_slots(actor, account_id=payload.account_id, slots=[(s.weekday, s.time) for s in payload.slots])
    return _schedule(actor.workspace)


@router.get("/slots/next", response={200: NextSlotOut, **CHANGE}, auth=READ)
def next_slot(request: HttpRequest, accounts: Annotated[str, Query(max_length=2000)]) -> NextSlotOut:
    """The slot "add to queue" would take now for these accounts (comma-separated ids)."""
    workspace = actor_of(request).workspace
    ids = {int(part) for part in accounts.split(",") if part.strip().isdigit()}
    if not ids or len(ids) > 100:
        raise InvalidInput("Give 1 to 100 account ids, comma-separated.", field="accounts")
    found = list(SocialAccount.objects.filter(workspace=workspace, pk__in=ids))
    if len(found) != len(ids):
        raise NotFound("No such account.")
    at = next_free_slot(workspace, found)
    return NextSlotOut(at=at, local=at.astimezone(workspace.zone).isoformat())


@router.post("/posts/{post_id}/queue", response={200: PostOut, **CHANGE}, auth=WRITE)
def add_to_queue(
    request: HttpRequest,
    response: HttpResponse,
    post_id: PostId,
    idempotency_key: Annotated[str | None, Header(alias=HEADER, max_length=255)] = None,
) -> Status[object]:
    """Schedule a draft at the next free slot of all its accounts (proposed instead when the workspace needs
    approval). A refusal keeps it a draft with the reason. Send an Idempotency-Key to make a retry safe."""
    actor = actor_of(request)

    def queue_it() -> tuple[int, dict[str, object]]:
        return 200, PostOut.of(services.add_to_queue(actor, post_id)).model_dump(mode="json")

    answer = run_once(request, idempotency_key, queue_it)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)


@router.post("/slots/queue/shuffle", response={200: MovedOut, **CHANGE}, auth=WRITE)
def shuffle_queue(request: HttpRequest) -> MovedOut:
    """Deal the slot queue's times out again at random, every post on a slot and within every limit."""
    return MovedOut(moved=queue.shuffle_queue(actor_of(request)))


@router.post("/slots/queue/{post_id}/up", response={200: PostOut, **CHANGE}, auth=WRITE)
def move_up(request: HttpRequest, post_id: PostId) -> PostOut:
    """Swap the post's slot with the one before it in the slot queue."""
    return PostOut.of(queue.move_up(actor_of(request), post_id))
