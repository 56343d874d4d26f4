"""Each platform's OAuth app, from the environment, and whether the platform can be used on this server.

For a platform P (upper case, as in `TIDINGS_X_CLIENT_ID`):

- `TIDINGS_<P>_CLIENT_ID`, `TIDINGS_<P>_CLIENT_SECRET`: the app registered with the platform;
- `TIDINGS_<P>_REDIRECT_URL` (optional): the callback registered with it, by default
  `{TIDINGS_PUBLIC_URL}/connections/<platform>/callback/`, with `TIDINGS_PUBLIC_URL` http://127.0.0.1:8000 by default.

A platform without its app is shown to users as unavailable (ask the operator), not as broken; the settings it
needs are named only to the operator.

`TIDINGS_ALLOW_LOCAL_SERVERS=1` (development, or servers on the operator's own network) lets users name a server on
this machine, over plain http, as their Mastodon server or Bluesky PDS, and lets any platform call reach private
addresses; otherwise such names are refused here, and `tidings.http` refuses to connect to any name that resolves
to this machine or a private network, so users cannot make the server call itself or its neighbours.
"""

import os
from dataclasses import dataclass

from tidings.http import allow_local_servers
from tidings.platforms.rules import platform_name

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class OAuthApp:
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass(frozen=True)
class Availability:
    available: bool
    # For the people who use the app: what is missing, in their words, never a setting's name.
    reason: str = ""
    # For the operator (`tidings doctor`, /ops/): the settings that would make it available.
    setup: str = ""


def _env(platform: str, name: str) -> str:
    return os.environ.get(f"TIDINGS_{platform.upper()}_{name}", "").strip()


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def server_allowed(scheme: str, host: str) -> bool:
    """A user-named server (a Mastodon instance, a PDS): https elsewhere, or this machine when allowed."""
    if host in LOOPBACK_HOSTS:
        return allow_local_servers() and scheme in ("http", "https")
    return scheme == "https"


def public_url() -> str:
    return (os.environ.get("TIDINGS_PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL).rstrip("/")


def redirect_uri(platform: str) -> str:
    return _env(platform, "REDIRECT_URL") or f"{public_url()}/connections/{platform}/callback/"


def oauth_app(platform: str, *, secret_required: bool = True) -> OAuthApp | None:
    """The platform's app, or None when the environment does not set it up (public clients need no secret)."""
    client_id, client_secret = _env(platform, "CLIENT_ID"), _env(platform, "CLIENT_SECRET")
    if not client_id or (secret_required and not client_secret):
        return None
    return OAuthApp(client_id=client_id, client_secret=client_secret, redirect_uri=redirect_uri(platform))


def availability(platform: str) -> Availability:
    # Imported here: the connectors read their apps from this module, and the registry imports the connectors.
    from tidings.platforms.registry import connector_for

    connector = connector_for(platform)
    if connector is None:
        return Availability(False, f"{platform_name(platform)} is not supported on this server yet.")
    if not connector.is_configured():
        prefix = f"TIDINGS_{platform.upper()}"
        return Availability(
            False,
            f"{platform_name(platform)} is not available on this server yet; ask the person who runs it.",
            f"Set {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET (an app registered with {platform_name(platform)}).",
        )
    return Availability(True)


def is_available(platform: str) -> bool:
    """A connector exists and the server has what it needs."""
    return availability(platform).available
