"""Idempotency-Key on create requests: the first request runs and its answer is stored; the same key with the same
request gets that answer again (and creates nothing); the same key with another request is a 409 conflict.

A key is claimed (a row with no answer yet) before the action runs, so two concurrent requests with one key
cannot both create: the second sees the claim and gets 409 "still in progress". A refused action (a DomainError)
stores nothing, because it changed nothing: the client may fix the request and send it again with the same key.
Keys are kept for a day.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.http.request import RawPostDataException
from django.utils import timezone

from tidings.api.auth import token_of
from tidings.api.models import IdempotencyRecord
from tidings.core.errors import Conflict, InvalidInput

KEEP_FOR = timedelta(hours=24)
HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def fingerprint(request: HttpRequest) -> str:
    """Workspace, method, path and body; a JSON body is compared by its content, not its spacing or key order.
    Keys are the person's: the same key sent for another of their workspaces is another request (a conflict),
    never a replay of an answer from the first."""
    try:
        raw = request.body
    except RawPostDataException:
        body = _multipart(request)
    else:
        try:
            body = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":"))
        except (ValueError, UnicodeDecodeError):
            body = raw.hex()
    workspace_id = token_of(request).workspace_id
    return hashlib.sha256(f"{workspace_id}\n{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def _multipart(request: HttpRequest) -> str:
    """A multipart body is parsed before the view runs (its stream is read): its fields and its files' contents."""
    digest = hashlib.sha256(json.dumps(sorted(request.POST.lists())).encode())
    for field, uploads in sorted(request.FILES.lists()):
        for upload in uploads:
            digest.update(f"\n{field}:{upload.name}:".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def _claim(request: HttpRequest, key: str, print_: str) -> IdempotencyRecord | Answer:
    token = token_of(request)
    stale = timezone.now() - KEEP_FOR
    for _ in range(3):
        IdempotencyRecord.objects.filter(user=token.user, key=key, created_at__lt=stale).delete()
        found = IdempotencyRecord.objects.filter(user=token.user, key=key).first()
        if found is not None:
            if found.fingerprint != print_:
                raise Conflict(f"This {HEADER} was used for a different request.", field=HEADER)
            if found.status_code is None or found.response_body is None:
                raise Conflict(f"A request with this {HEADER} is still running; try again shortly.", field=HEADER)
            return Answer(found.status_code, found.response_body, replayed=True)
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(user=token.user, token=token, key=key, fingerprint=print_)
        except IntegrityError:
            continue
    raise Conflict(f"A request with this {HEADER} is still running; try again shortly.", field=HEADER)


def run_once(request: HttpRequest, key: str | None, action: Callable[[], tuple[int, dict[str, Any]]]) -> Answer:
    """Run `action` (returning status and JSON body) once per key; without a key, just run it."""
    if key is None:
        return Answer(*action())
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidInput(f"{HEADER} must be 1 to 255 printable characters.", field=HEADER)
    claim = _claim(request, key, fingerprint(request))
    if isinstance(claim, Answer):
        return claim
    try:
        status, body = action()
    except BaseException:
        claim.delete()
        raise
    IdempotencyRecord.objects.filter(pk=claim.pk).update(status_code=status, response_body=body)
    return Answer(status, body)
