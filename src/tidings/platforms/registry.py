"""Platform name to connector. Platforms without a module here are shown as unavailable."""

from tidings.platforms.base import Connector
from tidings.platforms.connectors.bluesky import BlueskyConnector
from tidings.platforms.connectors.facebook import FacebookConnector
from tidings.platforms.connectors.instagram import InstagramConnector
from tidings.platforms.connectors.linkedin import LinkedInConnector
from tidings.platforms.connectors.mastodon import MastodonConnector
from tidings.platforms.connectors.pinterest import PinterestConnector
from tidings.platforms.connectors.threads import ThreadsConnector
from tidings.platforms.connectors.tiktok import TikTokConnector
from tidings.platforms.connectors.webhook import WebhookConnector
from tidings.platforms.connectors.x import XConnector
from tidings.platforms.connectors.youtube import YouTubeConnector

CONNECTORS: dict[str, Connector] = {
    WebhookConnector.platform: WebhookConnector(),
    BlueskyConnector.platform: BlueskyConnector(),
    MastodonConnector.platform: MastodonConnector(),
    TikTokConnector.platform: TikTokConnector(),
    YouTubeConnector.platform: YouTubeConnector(),
    PinterestConnector.platform: PinterestConnector(),
    XConnector.platform: XConnector(),
    LinkedInConnector.platform: LinkedInConnector(),
    FacebookConnector.platform: FacebookConnector(),
    InstagramConnector.platform: InstagramConnector(),
    ThreadsConnector.platform: ThreadsConnector(),
}


def connector_for(platform: str) -> Connector | None:
    return CONNECTORS.get(platform)
