"""The one door for outbound HTTP: httpx clients with timeouts everywhere and a recognisable User-Agent.

Connectors and AI providers take their clients from here, so tests have one seam (a loopback server or respx).
"""

import threading

import httpx

from tidings import __version__

USER_AGENT = f"Tidings/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)


def client(
    *,
    timeout: httpx.Timeout | float | None = None,
    headers: dict[str, str] | None = None,
    base_url: str = "",
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A synchronous client with our defaults; use it as a context manager. Redirects are not followed."""
    return httpx.Client(
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        base_url=base_url,
        transport=transport,
        follow_redirects=False,
    )


_shared: dict[str, httpx.Client] = {}
_shared_lock = threading.Lock()


def shared_client() -> httpx.Client:
    """One pooled client per process for publishing: connections and TLS setup are reused across jobs.

    httpx.Client is thread-safe; per-request timeouts are passed by the caller.
    """
    with _shared_lock:
        if "default" not in _shared:
            _shared["default"] = client(timeout=DEFAULT_TIMEOUT)
        return _shared["default"]
