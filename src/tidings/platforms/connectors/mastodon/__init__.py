"""Mastodon, on any server: OAuth with an app registered per server, statuses with idempotency keys."""

from tidings.platforms.connectors.mastodon.connector import MastodonConnector

__all__ = ["MastodonConnector"]
