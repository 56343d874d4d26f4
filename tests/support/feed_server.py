"""A loopback HTTP server that serves feeds the way publishers do: ETag and Last-Modified on every answer, 304 to a
conditional GET that matches, redirects, wrong types and bodies too big. It records the headers of every request.

Tests put documents on it by path and read `requests` back; `rss` and `atom` build the documents.
"""

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import pytest


@dataclass
class Document:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str = '"v1"'
    last_modified: str = "Tue, 01 Dec 2026 08:00:00 GMT"
    status: int = 200
    location: str = ""


@dataclass
class FeedServer:
    documents: dict[str, Document] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    url: str = ""

    def put(self, path: str, document: Document) -> str:
        self.documents[path] = document
        return f"{self.url}{path}"

    def headers_of(self, path: str) -> list[dict[str, str]]:
        return [headers for seen, headers in self.requests if seen == path]


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            document = server.documents.get(self.path)
            if document is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            tag, since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            fresh = tag == document.etag if tag else since == document.last_modified
            self.send_response(304 if fresh and document.status == 200 else document.status)
            self.send_header("ETag", document.etag)
            self.send_header("Last-Modified", document.last_modified)
            if document.location:
                self.send_header("Location", document.location)
            if fresh or document.status != 200:
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_header("Content-Type", document.content_type)
            self.send_header("Content-Length", str(len(document.body)))
            self.end_headers()
            self.wfile.write(document.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def feed_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """The server on 127.0.0.1, which the address guard lets through only because local servers are allowed."""
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")
    server = FeedServer()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    http.daemon_threads = True
    server.url = f"http://127.0.0.1:{http.server_address[1]}"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield server
    http.shutdown()
    http.server_close()


@dataclass(frozen=True)
class Item:
    title: str
    link: str
    guid: str = ""
    summary: str = ""
    published: datetime = datetime(2026, 12, 1, 8, tzinfo=UTC)


def rss(items: list[Item], *, title: str = "The shop's blog") -> bytes:
    entries = "".join(
        f"<item><title>{escape(i.title)}</title><link>{escape(i.link)}</link>"
        + (f"<guid>{escape(i.guid)}</guid>" if i.guid else "")
        + f"<description>{escape(i.summary)}</description><pubDate>{format_datetime(i.published)}</pubDate></item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://shop.example/</link><description>News</description>"
        f"{entries}</channel></rss>"
    ).encode()


def atom(items: list[Item], *, title: str = "The shop's blog") -> bytes:
    entries = "".join(
        f'<entry><title>{escape(i.title)}</title><link href="{escape(i.link)}"/><id>{escape(i.guid or i.link)}</id>'
        f"<updated>{i.published.isoformat()}</updated><summary>{escape(i.summary)}</summary></entry>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:shop</id><updated>2026-12-01T08:00:00Z</updated>{entries}</feed>"
    ).encode()
