"""The workspace's snippets and hashtag groups, for the library page, the composer's Insert menu and the API."""

from django.db.models import QuerySet

from tidings.core.errors import NotFound
from tidings.library.models import HashtagGroup, Snippet
from tidings.workspaces.models import Workspace


def snippets_of(workspace: Workspace) -> QuerySet[Snippet]:
    return Snippet.objects.filter(workspace=workspace)


def hashtag_groups_of(workspace: Workspace) -> QuerySet[HashtagGroup]:
    return HashtagGroup.objects.filter(workspace=workspace)


def get_snippet(workspace: Workspace, snippet_id: int) -> Snippet:
    """One of the workspace's snippets; another workspace's is as absent as a missing one."""
    found = snippets_of(workspace).filter(pk=snippet_id).first()
    if found is None:
        raise NotFound("No such snippet.")
    return found


def get_hashtag_group(workspace: Workspace, group_id: int) -> HashtagGroup:
    found = hashtag_groups_of(workspace).filter(pk=group_id).first()
    if found is None:
        raise NotFound("No such hashtag group.")
    return found
