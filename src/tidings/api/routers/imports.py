"""Bulk import and export: a CSV file of posts in (previewed with `dry_run`, or created), and posts with their
outcomes or the credit ledger out, as streamed CSV."""

from typing import Annotated

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import File, Header, Path, Query, Router, Status
from ninja.files import UploadedFile

from tidings.api.auth import actor_of, needs
from tidings.api.idempotency import HEADER, run_once
from tidings.api.schemas import ERRORS, MAX_ID, ErrorOut
from tidings.api.schemas.imports import ImportOut
from tidings.bulk import exports, services
from tidings.bulk.csvfile import check_size
from tidings.core.errors import InvalidInput
from tidings.workspaces.roles import Action

router = Router(tags=["imports"])
WRITE, READ = needs("posts:write"), needs("posts:read")
LEDGER = needs("credits:read")
ImportId = Annotated[int, Path(ge=1, le=MAX_ID)]
# The exports answer CSV, not JSON: their 200 is described by hand.
CSV = {"responses": {"200": {"description": "CSV, streamed", "content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.post("/imports", response={200: ImportOut, 201: ImportOut, **ERRORS, 409: ErrorOut}, auth=WRITE)
def create_import(
    request: HttpRequest,
    response: HttpResponse,
    file: Annotated[UploadedFile | None, File(description="The CSV file (docs/import-export.md); required")] = None,
    dry_run: Annotated[bool, Query(description="Only check every row; nothing is stored")] = False,
    idempotency_key: Annotated[str | None, Header(alias=HEADER, max_length=255)] = None,
) -> Status[object]:
    """Import posts from a CSV file. With `dry_run=true`, the preview: every row's verdict, nothing stored (200).
    Without, the rows that pass are created, each through the same checks as a post made one at a time, and the
    report says for each row what became of it (201). Send an Idempotency-Key to make a retried upload safe."""
    actor = actor_of(request)
    actor.require(Action.DRAFT)  # before the file is looked at: a viewer hears about their role, not the form
    if file is None:
        raise InvalidInput("Send the CSV file as the multipart field `file`.", field="file")
    check_size(file.size or 0)
    data, name = file.read(), file.name or "import.csv"
    if dry_run:
        verdicts = services.preview_import(actor, data=data)
        zone = actor.workspace.zone
        local = [v.at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if v.at else "" for v in verdicts]
        return Status(200, ImportOut.preview(name, verdicts, local))

    def create() -> tuple[int, dict[str, object]]:
        job = services.import_now(actor, file_name=name, data=data)
        return 201, ImportOut.of(job).model_dump(mode="json")

    answer = run_once(request, idempotency_key, create)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)


@router.get("/imports/{import_id}", response={200: ImportOut, **ERRORS}, auth=READ)
def get_import(request: HttpRequest, import_id: ImportId) -> ImportOut:
    """An import's report: each row, created (with its post) or refused (with the reason)."""
    return ImportOut.of(services.get_import(actor_of(request).workspace, import_id))


@router.get("/exports/posts.csv", response=ERRORS, auth=READ, openapi_extra=CSV)
def export_posts(request: HttpRequest) -> StreamingHttpResponse:
    """Every post target with its outcome, times in the workspace's zone and in UTC."""
    return exports.csv_download(exports.post_rows(actor_of(request)), "posts.csv")


@router.get("/exports/ledger.csv", response=ERRORS, auth=LEDGER, openapi_extra=CSV)
def export_ledger(request: HttpRequest) -> StreamingHttpResponse:
    """Every change of both credit balances, oldest first."""
    return exports.csv_download(exports.ledger_rows(actor_of(request)), "ledger.csv")
