"""The one door for outbound HTTP: httpx clients with timeouts everywhere and a recognisable User-Agent.

Connectors and AI providers take their clients from here, so tests have one seam (a loopback server or respx).

Clients that call addresses users give (a webhook, a Mastodon server, a Bluesky PDS, and every platform call, which
shares their client) connect only to public addresses: the name is resolved once, each address is checked, and the
socket goes to a checked address, so a name that resolves to this machine, the private network or a cloud metadata
service (169.254.169.254) is refused, and DNS cannot answer differently between the check and the connection.
`TIDINGS_ALLOW_LOCAL_SERVERS=1` lifts this for development and for operators whose servers live on their own
network. A user's own AI provider is held to the same rule; only the operator's (from the environment) may run on
this machine (a local model server).
"""

import ipaddress
import os
import socket
import threading
import urllib.request
from collections.abc import Iterable

import httpcore
import httpx

from tidings import __version__

USER_AGENT = f"Tidings/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)


def allow_local_servers() -> bool:
    return os.environ.get("TIDINGS_ALLOW_LOCAL_SERVERS", "").strip().lower() in ("1", "true", "yes")


class RefusedAddress(httpcore.ConnectError):
    """The name resolves only to addresses users may not make this server call."""


def refused_reason(error: Exception) -> str | None:
    """Why a connection was refused by the public-only guard, or None when it failed for any other reason.

    httpx re-raises httpcore's errors as its own, keeping the original as the cause."""
    cause = error if isinstance(error, RefusedAddress) else error.__cause__
    return str(cause) if isinstance(cause, RefusedAddress) else None


# IPv6 that carries an IPv4 address, which Python's table calls global whatever the IPv4 is. Where the packet ends
# at that IPv4 host (IPv4-mapped; NAT64's well-known prefix, which a DNS64 network gives every IPv4-only name; a
# 6to4 relay), the IPv4 is judged, so public IPv4-only hosts stay reachable from IPv6-only networks. Where it cannot
# be read out for sure or no server lives, the range is refused outright: IPv4-compatible (deprecated, RFC 4291),
# SIIT's IPv4-translated, NAT64's local-use prefix (the network picks where the IPv4 sits, RFC 8215), Teredo.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NOT_PUBLIC = tuple(ipaddress.IPv6Network(net) for net in ("::/96", "::ffff:0:0:0/96", "64:ff9b:1::/48", "2001::/32"))


def _is_public(address: str) -> bool:
    # An IPv6 address may carry a zone (fe80::1%eth0).
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in net for net in _NOT_PUBLIC):
            return False
        nat64 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None
        ip = ip.ipv4_mapped or nat64 or ip.sixtofour or ip
    return ip.is_global and not ip.is_multicast


def public_addresses(host: str, port: int = 443) -> list[str]:
    """The public addresses `host` resolves to; RefusedAddress when it has none, ConnectError when it does not
    resolve."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise httpcore.ConnectError(f"Could not resolve {host}: {error}") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    public = [address for address in addresses if _is_public(address)]
    if not public:
        raise RefusedAddress(f"{host} is on this machine or a private network, which this server does not call.")
    return public


def address_problem(url: str) -> str | None:
    """Why a user-given URL may not be called from here (its host is local or private), or None.

    A name that does not resolve now is let through: it is checked again, for real, on every connection."""
    host = httpx.URL(url).host
    if allow_local_servers() or not host:
        return None
    try:
        public_addresses(host)
    except RefusedAddress as error:
        return str(error)
    except httpcore.ConnectError:
        pass
    return None


class PublicOnlyBackend(httpcore.NetworkBackend):
    """Connects only to public addresses (unless local servers are allowed), to the very address it checked."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if allow_local_servers():
            return self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        public = public_addresses(host, port)
        last_error: Exception | None = None
        for address in public:
            try:
                # TLS still checks the certificate against `host`: httpcore starts TLS on this stream by name.
                return self._backend.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as error:
                last_error = error
        assert last_error is not None
        raise last_error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.NetworkStream:
        raise RefusedAddress("Unix sockets are not called.")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class PublicOnlyTransport(httpx.HTTPTransport):
    """httpx's own transport over a connection pool whose connections go through `PublicOnlyBackend`.

    httpx does not take a network backend, so the pool it builds is swapped for an equal one that uses ours.
    """

    def __init__(self, *, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits()
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PublicOnlyBackend(),
        )


def client(
    *,
    timeout: httpx.Timeout | float | None = None,
    headers: dict[str, str] | None = None,
    base_url: str = "",
    transport: httpx.BaseTransport | None = None,
    public_only: bool = False,
) -> httpx.Client:
    """A synchronous client with our defaults; use it as a context manager. Redirects are not followed.

    `public_only` for addresses users give: see the module's docstring. Where the operator routes outbound calls
    through a proxy (HTTPS_PROXY and friends), the proxy makes the connections, out of the guard's sight, and is
    where egress is policed; without one the environment is not read, so it cannot bypass the guard."""
    guarded = public_only and transport is None and not urllib.request.getproxies()
    return httpx.Client(
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        base_url=base_url,
        transport=PublicOnlyTransport() if guarded else transport,
        follow_redirects=False,
        trust_env=not guarded,
    )


_shared: dict[str, httpx.Client] = {}
_shared_lock = threading.Lock()


def shared_client() -> httpx.Client:
    """One pooled client per process for publishing: connections and TLS setup are reused across jobs.

    httpx.Client is thread-safe; per-request timeouts are passed by the caller.
    """
    with _shared_lock:
        if "default" not in _shared:
            _shared["default"] = client(timeout=DEFAULT_TIMEOUT, public_only=True)
        return _shared["default"]
