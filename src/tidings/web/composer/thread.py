"""The composer's thread editor and first comment: the posts written after the first, each with its own files, in
the order the user put them; read from the form, shown again after a refusal, and saved through the posts services.

Each post of the thread has a slot (a name that does not change when posts move) for its fields: its text
(`thread_text_<slot>`), its stored files (`thread_media_<slot>`) and new files (`thread_files_<slot>`);
`thread_order` lists the slots in order.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from tidings.platforms.base import ThreadPart
from tidings.platforms.media import MediaItem
from tidings.posts.media import attach_media
from tidings.posts.models import MediaAsset, Post
from tidings.posts.publishing import media_item
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace

_SLOT = re.compile(r"^[a-z0-9]{1,12}$")
MAX_SLOTS = 24


@dataclass
class Slot:
    """One post of the thread after the first, as the editor shows it."""

    slot: str
    text: str = ""
    media: list[MediaAsset] = field(default_factory=list)


def slots_in(data: QueryDict) -> list[str]:
    """The thread's slots in the order the form gives them; unreadable or repeated ones are dropped."""
    raw = [s.strip() for s in str(data.get("thread_order", "")).split(",")]
    return list(dict.fromkeys(s for s in raw if _SLOT.match(s)))[:MAX_SLOTS]


def thread_texts(data: QueryDict) -> list[str]:
    return [str(data.get(f"thread_text_{slot}", ""))[:20_000] for slot in slots_in(data)]


def media_parts(data: QueryDict, *, removed: set[int]) -> dict[int, int]:
    """Which post of the thread each stored file now goes with (asset id -> part, 1 the second post)."""
    parts: dict[int, int] = {}
    for number, slot in enumerate(slots_in(data), start=1):
        for value in data.getlist(f"thread_media_{slot}"):
            if value.isdigit() and int(value) not in removed:
                parts[int(value)] = number
    return parts


def editor_slots(workspace: Workspace, post: Post | None, data: QueryDict | None) -> list[Slot]:
    """The posts to show in the editor: as submitted (after a refusal), else as the post keeps them."""
    if data is not None:
        stored_ids = {int(v) for slot in slots_in(data) for v in data.getlist(f"thread_media_{slot}") if v.isdigit()}
        stored = {a.pk: a for a in MediaAsset.objects.filter(workspace=workspace, pk__in=stored_ids)}
        return [
            Slot(
                slot,
                str(data.get(f"thread_text_{slot}", "")),
                [stored[int(v)] for v in data.getlist(f"thread_media_{slot}") if v.isdigit() and int(v) in stored],
            )
            for slot in slots_in(data)
        ]
    if post is None:
        return []
    assets = list(post.media.filter(part__gt=0).order_by("position", "pk"))
    return [
        Slot(f"p{number}", text, [a for a in assets if a.part == number])
        for number, text in enumerate(post.thread_parts or [], start=1)
    ]


def posted(data: Mapping[str, Any]) -> QueryDict:
    """A bound form's data, which is the request's QueryDict."""
    assert isinstance(data, QueryDict)
    return data


def save_thread_media(
    actor: Actor, post: Post, data: QueryDict, files: MultiValueDict[str, UploadedFile] | None
) -> None:
    """New files of each post of the thread, attached to that post (its order in the thread as saved)."""
    if files is None:
        return
    for number, slot in enumerate(slots_in(data), start=1):
        uploads = files.getlist(f"thread_files_{slot}")
        if uploads:
            attach_media(actor, post.pk, uploads=uploads, part=number)


def preview_parts(workspace: Workspace, data: QueryDict) -> tuple[ThreadPart, ...]:
    """The thread as the previews check it: each post's text and its stored files (new ones are checked once
    uploaded)."""
    slots = slots_in(data)
    ids = {int(v) for slot in slots for v in data.getlist(f"thread_media_{slot}") if v.isdigit()}
    stored = {a.pk: media_item(a) for a in MediaAsset.objects.filter(workspace=workspace, pk__in=ids)}
    parts = []
    for slot in slots:
        values = [int(v) for v in data.getlist(f"thread_media_{slot}") if v.isdigit()]
        media: list[MediaItem] = [stored[pk] for pk in values if pk in stored]
        parts.append(ThreadPart(str(data.get(f"thread_text_{slot}", "")).strip(), tuple(media)))
    return tuple(parts)


def new_files(data: QueryDict, slot: str) -> int:
    """How many new files the browser holds for a post of the thread (the script counts them for the preview)."""
    value = str(data.get(f"thread_new_{slot}", "0"))
    return min(int(value), 10) if value.isdigit() else 0
