"""Importing posts from a CSV file: a preview that creates nothing, then a commit that creates the rows that passed,
each through the same services as a post written in the composer (so credits are reserved, a contributor's post
is proposed for approval, and every limit is checked again at that moment).

A row is created whole or not at all: its post, its media and its place in the queue are one transaction, and a
row refused at commit leaves nothing behind. One row's refusal never stops the others."""

import logging

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from tidings.bulk.checks import Verdict, check_rows
from tidings.bulk.csvfile import read_rows
from tidings.bulk.fetch import fetch_media
from tidings.bulk.models import ImportJob, ImportStatus
from tidings.core.errors import Conflict, DomainError, NotFound
from tidings.posts.media import attach_media
from tidings.posts.models import Post
from tidings.posts.services import create_post, schedule_post
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

logger = logging.getLogger(__name__)


def preview_import(actor: Actor, *, data: bytes) -> list[Verdict]:
    """Every row's verdict; nothing is stored."""
    actor.require(Action.DRAFT)
    return check_rows(actor, read_rows(data))


def start_import(actor: Actor, *, file_name: str, data: bytes) -> ImportJob:
    """Preview the file and keep it, with each row's verdict, for the person to look over and commit."""
    verdicts = preview_import(actor, data=data)
    return ImportJob.objects.create(
        workspace=actor.workspace,
        user=actor.user,
        file_name=file_name[:255] or "import.csv",
        content=data.decode("utf-8-sig"),
        rows=len(verdicts),
        accepted=[v.row for v in verdicts if v.ok],
        outcomes=[_preview_line(actor.workspace, v) for v in verdicts],
    )


def get_import(workspace: Workspace, import_id: int) -> ImportJob:
    try:
        return ImportJob.objects.get(pk=import_id, workspace=workspace)
    except ImportJob.DoesNotExist:
        raise NotFound("No such import.") from None


def commit_import(actor: Actor, import_id: int) -> ImportJob:
    """Create the rows that passed the preview, each checked again first; rows refused in the preview stay refused.
    Committing twice is refused: the job is claimed before the first row is made."""
    actor.require(Action.DRAFT)
    job = get_import(actor.workspace, import_id)
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEWED).update(status=ImportStatus.RUNNING)
    if not claimed:
        raise Conflict("This import has been created already; its report is below.")
    previewed = {line["row"]: line for line in job.outcomes}
    verdicts = check_rows(actor, read_rows(job.content.encode()), only=set(job.accepted))
    outcomes = []
    for verdict in verdicts:
        if verdict.row not in job.accepted:
            outcomes.append(previewed.get(verdict.row) or _preview_line(actor.workspace, verdict))
            continue
        outcomes.append(_commit_row(actor, verdict))
    job.outcomes, job.status, job.finished_at = outcomes, ImportStatus.DONE, timezone.now()
    job.save(update_fields=["outcomes", "status", "finished_at"])
    logger.info(
        "bulk.import_done workspace=%s import=%s created=%s refused=%s",
        actor.workspace.pk,
        job.pk,
        job.created_count,
        job.refused_count,
    )
    return job


def import_now(actor: Actor, *, file_name: str, data: bytes) -> ImportJob:
    """Preview and commit in one call (the API without `dry_run`)."""
    job = start_import(actor, file_name=file_name, data=data)
    return commit_import(actor, job.pk)


def _commit_row(actor: Actor, verdict: Verdict) -> dict[str, object]:
    line = _preview_line(actor.workspace, verdict)
    if not verdict.ok:
        return line | {"ok": False}
    try:
        post = _create(actor, verdict)
    except DomainError as refusal:
        return line | {"ok": False, "reason": refusal.message}
    return line | {"created": True, "post_id": post.pk}


def _create(actor: Actor, verdict: Verdict) -> Post:
    """The row's post, files and place in the queue, all or nothing; the fetched files of a refused row are
    deleted with it."""
    uploads = [fetch_media(url) for url in verdict.media_urls]
    stored: list[str] = []
    try:
        with transaction.atomic():
            post = create_post(actor, text=verdict.text, link=verdict.link, account_ids=verdict.account_ids)
            for index, upload in enumerate(uploads):
                alt = verdict.alt_texts[index] if index < len(verdict.alt_texts) else ""
                stored += [a.file.name for a in attach_media(actor, post.pk, uploads=[upload], alt_text=alt)]
            if verdict.at is not None:
                schedule_post(actor, post.pk, at=verdict.at)
    except DomainError:
        for name in stored:
            default_storage.delete(name)
        raise
    finally:
        for upload in uploads:
            upload.close()
    return post


def _preview_line(workspace: Workspace, verdict: Verdict) -> dict[str, object]:
    """A row as the preview and the report show it (JSON, kept on the job)."""
    when = verdict.at.astimezone(workspace.zone).strftime("%Y-%m-%d %H:%M") if verdict.at else ""
    return {
        "row": verdict.row,
        "ok": verdict.ok,
        "created": False,
        "reason": verdict.reason,
        "text": verdict.text[:280],
        "accounts": verdict.accounts,
        "when": when,
        "draft": verdict.ok and verdict.at is None,
        "media": len(verdict.media_urls),
        "post_id": None,
    }
