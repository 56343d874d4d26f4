"""Bluesky over the AT Protocol, connected with an app password."""

from tidings.platforms.connectors.bluesky.connector import BlueskyConnector

__all__ = ["BlueskyConnector"]
