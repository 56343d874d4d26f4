"""Every page carries a Content-Security-Policy without inline script, a Referrer-Policy and frame protection."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from tests.admin.conftest import staff, staff_client
from tests.conftest import create_account
from tidings.accounts.models import User
from tidings.jobs import runtime

pytestmark = pytest.mark.django_db
__all__ = ["staff", "staff_client"]

SRC = Path(__file__).resolve().parents[2] / "src" / "tidings"
ANONYMOUS = ["/", "/login/", "/signup/", "/password-reset/", "/admin/login/", "/no-such-page/"]
SIGNED_IN = [
    "/dashboard/",
    "/compose/",
    "/queue/",
    "/calendar/",
    "/generate/",
    "/automation/",
    "/automation/new/",
    "/notifications/",
    "/settings/",
    "/plan/",
    "/connections/",
    "/api/v1/tokens/ui/",
]
STAFF = ["/ops/", "/admin/", "/admin/posts/post/", "/admin/accounts/user/", "/admin/posts/mediaasset/"]


def policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def assert_protected(client: Client, url: str, status: int = 200) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == status, url
    csp = policy(response["Content-Security-Policy"])
    scripts = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in scripts, url
    assert "'unsafe-eval'" not in scripts, url
    assert csp["frame-ancestors"] == ["'none'"], url
    assert csp["object-src"] == ["'none'"], url
    assert response["X-Frame-Options"] == "DENY", url
    assert response["Referrer-Policy"] == "same-origin", url
    assert response["X-Content-Type-Options"] == "nosniff", url
    return csp


def test_anonymous_pages_carry_the_headers(client: Client) -> None:
    for url in ANONYMOUS:
        csp = assert_protected(client, url, status=404 if url == "/no-such-page/" else 200)
        assert csp["script-src"] == ["'self'"]


def test_signed_in_pages_and_partials_carry_the_headers(client: Client, bob: User) -> None:
    account = create_account(bob)
    client.force_login(bob)
    for url in SIGNED_IN:
        assert_protected(client, url)
    preview = client.post("/compose/preview/", {"text": "Hi", "accounts": [account.pk]})
    assert "'unsafe-inline'" not in policy(preview["Content-Security-Policy"])["script-src"]


@pytest.fixture
def dbos_client_closed() -> Iterator[None]:
    """The ops dashboard reads workflows through a DBOS client whose pooled connection would outlive the test
    database; close it as a process does when it stops."""
    yield
    runtime.shutdown()


@pytest.mark.usefixtures("dbos_client_closed")
def test_staff_and_admin_pages_carry_the_headers(staff_client: Client) -> None:
    for url in STAFF:
        assert_protected(staff_client, url)


def test_the_api_docs_load_only_files_this_server_serves(client: Client) -> None:
    # Swagger UI comes from django-ninja's own static files, so the page works offline under the default policy.
    csp = assert_protected(client, "/api/v1/docs")
    page = client.get("/api/v1/docs").content.decode()
    assert csp["script-src"] == ["'self'"]
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert any(src.endswith("swagger-ui-bundle.js") for src in sources)
    assert all(src.startswith("/static/") for src in sources), sources
    assert re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL) == []
    for src in sources:
        assert client.get(src).status_code == 200, src
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_no_template_has_inline_script_or_event_handlers() -> None:
    inline_script = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    found = [
        f"{path.relative_to(SRC)}: {match.group(0)[:60]}"
        for path in SRC.glob("**/templates/**/*.html")
        for pattern in (inline_script, handler)
        for match in pattern.finditer(path.read_text())
    ]
    assert found == []
