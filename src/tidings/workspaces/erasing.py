"""Deleting workspaces with everything they hold, for an owner deleting one and a person closing their account."""

from django.core.files.storage import default_storage
from django.db import transaction

from tidings.core.errors import Conflict
from tidings.credits.models import CreditReservation
from tidings.credits.services import lock_workspace
from tidings.posts.models import MediaAsset, Post, PostTarget, TargetStatus
from tidings.workspaces.models import Workspace


def erase_workspaces(workspace_ids: list[int], *, then: str) -> None:
    """Delete the workspaces and everything they hold, inside the caller's transaction; refused (nothing deleted)
    while one of their posts is being sent. `then` says what to do once it has been (for the refusal).

    Under the workspaces' locks, which every publish takes before it sends: nothing is cut off mid-send, and posts
    waiting to go out go with them and are never sent. Uploaded files are removed once the deletion is committed."""
    for workspace_id in sorted(workspace_ids):  # in id order, as every other holder of several of these locks
        lock_workspace(workspace_id)
    targets = PostTarget.objects.filter(post__workspace_id__in=workspace_ids)
    publishing = targets.filter(status=TargetStatus.PUBLISHING).count()
    if publishing:
        raise Conflict(
            f"{publishing} post{'s are' if publishing != 1 else ' is'} being published right now. Wait a "
            f"minute for the platform to answer, then {then}; nothing was deleted."
        )
    # In order: held credits first (the database refuses one pointing at no post), then the posts (a post's
    # targets hold on to their accounts), then the workspaces with the rest. No send starts after this commits:
    # each begins under one of these locks and finds neither the workspace nor the post.
    CreditReservation.objects.filter(workspace_id__in=workspace_ids).delete()
    Post.objects.filter(workspace_id__in=workspace_ids).delete()
    files = list(MediaAsset.objects.filter(workspace_id__in=workspace_ids).values_list("file", flat=True))
    Workspace.objects.filter(pk__in=workspace_ids).delete()
    transaction.on_commit(lambda: _remove_files(files))


def _remove_files(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
