"""One module per platform, each a `BaseConnector` subclass registered in `tidings.platforms.registry`."""
