"""Start one of the product's jobs by its event name (staff only): the same as `tidings send-event`."""

from django.http import HttpRequest
from ninja import Router, Status

from tidings.api.auth import needs
from tidings.api.schemas import ERRORS
from tidings.api.schemas.tokens import EventIn, EventOut
from tidings.jobs.events import send

router = Router(tags=["events"])


@router.post("/events", response={202: EventOut, **ERRORS}, auth=needs("events"))
def send_event(request: HttpRequest, payload: EventIn) -> Status[EventOut]:
    """Enqueue the event's workflow; answers with its id at once (the job runs on a worker)."""
    workflow_id = send(payload.name, payload.data.model_dump(exclude_none=True))
    return Status(202, EventOut(workflow_id=workflow_id))
