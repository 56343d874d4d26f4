"""A copy of a post as a new draft: its text, link, hand-written thread and first comment, each account's own text
and options, and its files with their descriptions, each on the same post of the thread.

The files are copied, not shared: each copy is a MediaAsset of its own with its own stored file, so deleting or
editing either post never takes a file from the other.
"""

from dataclasses import dataclass

from django.core.files import File
from django.db import transaction

from tidings.core.errors import Conflict
from tidings.platforms.models import AccountStatus
from tidings.posts.models import MediaAsset, Post, PostTarget
from tidings.posts.services import get_post
from tidings.tagging.selectors import post_choice
from tidings.tagging.services import save_post_choice
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action


@dataclass(frozen=True)
class Duplicated:
    post: Post
    # Accounts of the original that are no longer connected, so the copy is not addressed to them.
    left_out: list[str]


def duplicate_post(actor: Actor, post_id: int) -> Duplicated:
    """A new draft like the workspace's post, on those of its accounts that are still connected; nothing is
    reserved. The copy is the acting person's own draft: they are its author."""
    actor.require(Action.DRAFT)
    original = get_post(actor.workspace, post_id)
    targets = list(original.targets.select_related("account").order_by("pk"))
    kept = [t for t in targets if t.account.status != AccountStatus.DISCONNECTED]
    stored: list[MediaAsset] = []
    try:
        with transaction.atomic():
            post = Post.objects.create(
                workspace=actor.workspace,
                author=actor.user,
                text=original.text,
                link=original.link,
                thread_parts=list(original.thread_parts or []),
                first_comment=original.first_comment,
            )
            PostTarget.objects.bulk_create(
                PostTarget(
                    post=post,
                    account=t.account,
                    platform=t.platform,
                    text_override=t.text_override,
                    options=t.options,
                )
                for t in kept
            )
            save_post_choice(post, post_choice(original))
            for asset in original.media.order_by("position", "pk"):
                _copy_file(asset, to=post, stored=stored)
    except Exception:
        for copy in stored:
            copy.file.delete(save=False)
        raise
    return Duplicated(post, [str(t.account) for t in targets if t not in kept])


def _copy_file(asset: MediaAsset, *, to: Post, stored: list[MediaAsset]) -> None:
    """Store a copy of the asset's file for `to`; `stored` collects it, so a later failure can remove it."""
    copy = MediaAsset(
        workspace_id=to.workspace_id,
        post=to,
        position=asset.position,
        part=asset.part,
        kind=asset.kind,
        mime_type=asset.mime_type,
        size_bytes=asset.size_bytes,
        width=asset.width,
        height=asset.height,
        duration_seconds=asset.duration_seconds,
        alt_text=asset.alt_text,
    )
    try:
        with asset.file.open("rb") as source:
            # The stored name comes from `media_path`, by the file's type; the name given here is not used.
            copy.file.save("copy", File(source), save=False)
    except FileNotFoundError:
        raise Conflict("A file of this post is missing from storage, so it cannot be copied.") from None
    stored.append(copy)
    copy.save()
