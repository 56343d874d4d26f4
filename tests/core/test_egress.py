"""Calls to addresses users give reach only public addresses: not this machine, not the private network, not the
cloud metadata service, whatever the name resolves to; unless the operator allows local servers."""

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpcore
import httpx
import pytest

from tests.support.workspaces import owner
from tidings import http
from tidings.platforms.base import Content, PermanentError
from tidings.platforms.connectors.webhook import WebhookConnector


class _Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def loopback_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_Counter,), {"hits": hits})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def local_servers_not_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIDINGS_ALLOW_LOCAL_SERVERS", raising=False)


def resolve_to(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    """DNS answering with `addresses` for every name: the one thing faked here, at the edge."""

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_the_loopback_is_refused_and_nothing_reaches_it(loopback_server: tuple[str, list[str]]) -> None:
    url, hits = loopback_server
    with http.client(public_only=True) as client, pytest.raises(httpx.ConnectError) as caught:
        client.get(f"{url}/secret")
    assert "private network" in (http.refused_reason(caught.value) or "")
    assert hits == []


def test_the_shared_publishing_client_is_guarded(loopback_server: tuple[str, list[str]]) -> None:
    url, hits = loopback_server
    with pytest.raises(httpx.ConnectError) as caught:
        http.shared_client().get(url)
    assert http.refused_reason(caught.value)
    assert hits == []


def test_allowing_local_servers_lets_calls_reach_this_machine(
    loopback_server: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")
    url, hits = loopback_server
    with http.client(public_only=True) as client:
        assert client.get(f"{url}/hello").text == "ok"
    assert hits == ["/hello"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.5.4",
        "192.168.1.10",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 - an address a name may resolve to, not one bound here
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:127.0.0.1",  # IPv4 loopback written as IPv6
        "224.0.0.1",
        # IPv4 inside IPv6, which Python's table calls global: judged by the IPv4, or refused outright
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata service
        "64:ff9b:1::808:808",  # local-use NAT64: refused outright
        "2002:7f00:1::1",  # 6to4 through 127.0.0.1
        "2002:c0a8:114::1",  # 6to4 through 192.168.1.20
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo: refused outright
        "::7f00:1",  # IPv4-compatible (deprecated): refused outright
        "::808:808",
        "::ffff:0:a00:1",  # SIIT IPv4-translated 10.0.0.1
    ],
)
def test_a_public_looking_name_that_resolves_to_a_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    resolve_to(monkeypatch, address)
    with http.client(public_only=True) as client, pytest.raises(httpx.ConnectError) as caught:
        client.get("https://hooks.example.com/in")
    assert "hooks.example.com is on this machine or a private network" in (http.refused_reason(caught.value) or "")


def test_the_connection_goes_to_the_public_address_that_was_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    resolve_to(monkeypatch, "10.0.0.7", "93.184.215.14")
    dialled: list[str] = []

    def connect_tcp(self: object, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        dialled.append(host)
        raise httpcore.ConnectError("no network in this test")

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
    with http.client(public_only=True) as client, pytest.raises(httpx.ConnectError) as caught:
        client.get("https://mixed.example.com/")
    # The checked address itself, never the name (which a second lookup could answer differently).
    assert dialled == ["93.184.215.14"]
    assert http.refused_reason(caught.value) is None


def test_ipv6_that_carries_a_public_ipv4_is_judged_by_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A DNS64 network answers every IPv4-only name with 64:ff9b::/96, so those stay reachable when public."""
    resolve_to(monkeypatch, "64:ff9b::7f00:1", "64:ff9b::808:808", "2002:a00:1::1", "2002:808:808::1")
    dialled: list[str] = []

    def connect_tcp(self: object, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        dialled.append(host)
        raise httpcore.ConnectError("no network in this test")

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
    with http.client(public_only=True) as client, pytest.raises(httpx.ConnectError):
        client.get("https://dns64.example.com/")
    assert dialled == ["64:ff9b::808:808", "2002:808:808::1"]


def test_clients_for_operator_named_services_are_not_guarded(loopback_server: tuple[str, list[str]]) -> None:
    """An AI provider named by the operator may run on this machine (a local model server)."""
    url, hits = loopback_server
    with http.client() as client:
        assert client.get(url).status_code == 200
    assert hits == ["/"]


def test_a_webhook_on_a_private_address_is_refused_when_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.conf.settings.TIDINGS_ALLOW_HTTP_WEBHOOKS", True)
    with pytest.raises(PermanentError, match=r"That webhook address is not allowed: 127\.0\.0\.1 is on this machine"):
        WebhookConnector().connect_with_credentials({"url": "http://127.0.0.1:9/hook", "secret": "s" * 16})
    resolve_to(monkeypatch, "192.168.0.20")
    with pytest.raises(PermanentError, match="not allowed"):
        WebhookConnector().connect_with_credentials({"url": "https://router.example.net/hook", "secret": "s" * 16})


@pytest.mark.django_db
def test_publishing_to_a_webhook_that_now_resolves_privately_fails_without_retrying(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Connected while its name was public; the name now points inside (DNS rebinding): a permanent failure,
    not a transient one retried against the inside."""
    from tests.conftest import make_user
    from tidings.platforms.models import Platform
    from tidings.platforms.services import connect_account
    from tidings.tiers.plans import Tier

    user = make_user("dana", Tier.PRO)
    account = connect_account(
        owner(user),
        platform=Platform.WEBHOOK,
        external_id="hook",
        handle="hook",
        access_token="s" * 16,
        base_url="https://hooks.example.org/in",
    )
    resolve_to(monkeypatch, "169.254.169.254")
    content = Content(text="Hello", link="", media=(), scheduled_at=datetime.now(UTC))
    with pytest.raises(PermanentError, match="The webhook's address is not allowed"):
        WebhookConnector().publish(account, content, idempotency_key="k-1")


def test_calls_through_the_operators_proxy_go_to_the_proxy(
    loopback_server: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HTTP(S)_PROXY set, the proxy makes the connection (and polices egress); the guard cannot see past it."""
    proxy_url, hits = loopback_server
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    with http.client(public_only=True) as client:
        assert client.get("http://internal.example/path").text == "ok"
    assert hits == ["http://internal.example/path"]  # the absolute form a proxy receives
