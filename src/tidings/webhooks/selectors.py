"""Reads the Webhooks page and the API share, always within one workspace."""

from django.db.models import QuerySet

from tidings.core.errors import NotFound
from tidings.webhooks.models import Delivery, Endpoint
from tidings.workspaces.models import Workspace


def endpoints_of(workspace: Workspace) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(workspace=workspace)


def get_endpoint(workspace: Workspace, endpoint_id: int) -> Endpoint:
    found = endpoints_of(workspace).filter(pk=endpoint_id).first()
    if found is None:
        raise NotFound("No such webhook endpoint in this workspace.")
    return found


def deliveries_of(workspace: Workspace, endpoint_id: int) -> QuerySet[Delivery]:
    """The endpoint's deliveries, newest first, with their attempts ready to show."""
    endpoint = get_endpoint(workspace, endpoint_id)
    return Delivery.objects.filter(endpoint=endpoint).prefetch_related("attempt_log")


def get_delivery(workspace: Workspace, delivery_id: int) -> Delivery:
    found = Delivery.objects.select_related("endpoint").filter(pk=delivery_id, endpoint__workspace=workspace).first()
    if found is None:
        raise NotFound("No such webhook delivery in this workspace.")
    return found
