"""`tidings worker` (a real process, for crash tests) whose platform calls all go to a loopback server.

    python -m tests.support.loopback_worker PORT --executor-id ID

Every request keeps its path and query and goes, as plain HTTP, to 127.0.0.1:PORT, where the test's fake platform
counts it. Instagram checks its containers every 2 seconds here.
"""

import os
import sys

import httpx


class ToLoopback(httpx.HTTPTransport):
    """Sends every request, whatever its host, to the loopback server, as plain HTTP."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return super().handle_request(request)


def main() -> None:
    port, args = int(sys.argv[1]), sys.argv[2:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidings.settings")
    import django

    django.setup()
    from tidings import http
    from tidings.cli import main as tidings
    from tidings.platforms.connectors.instagram import InstagramConnector
    from tidings.platforms.connectors.waiting import Patience

    http._shared["default"] = httpx.Client(transport=ToLoopback(port), timeout=10)
    InstagramConnector.patience = Patience(first=2.0, longest=2.0, most=120.0)
    tidings(["worker", *args])


if __name__ == "__main__":
    main()
