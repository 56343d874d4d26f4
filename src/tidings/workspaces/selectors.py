"""Reads about workspaces that pages, the API and the checks share."""

from django.db.models import Q
from django.utils import timezone

from tidings.workspaces.models import Invitation, Membership, Workspace


def open_invitations(workspace: Workspace) -> "list[Invitation]":
    now = timezone.now()
    return list(
        Invitation.objects.filter(workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True)
        .filter(Q(expires_at__gt=now))
        .order_by("-created_at")
    )


def seats_taken(workspace: Workspace) -> int:
    """Members, plus invitations still waiting for an answer (each holds the seat it would fill)."""
    now = timezone.now()
    members = Membership.objects.filter(workspace=workspace).count()
    waiting = Invitation.objects.filter(
        workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).count()
    return members + waiting
