"""The workspace's library: snippets and hashtag groups, listed, added, changed and deleted."""

from tidings.web.library.views import urls

__all__ = ["urls"]
