"""Platform name to connector. Platforms without a module here are shown as unavailable."""

from tidings.platforms.base import Connector
from tidings.platforms.connectors.webhook import WebhookConnector

CONNECTORS: dict[str, Connector] = {
    WebhookConnector.platform: WebhookConnector(),
}


def connector_for(platform: str) -> Connector | None:
    return CONNECTORS.get(platform)
