"""The generation pages: the brief form and drafts, rewrite and shorten, the live stream, provider settings."""

import json

import pytest
from django.test import Client

from tests.conftest import create_account
from tests.generation.conftest import API_KEY, MODEL
from tests.generation.fake_openai import Fail, FakeOpenAI, Reply
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.generation.models import AIProviderConfig
from tidings.platforms.models import Platform
from tidings.usage.models import Metric
from tidings.usage.services import count_usage, local_day, usage_on

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.generation.urls")]

BRIEF = {"topic": "A new bakery", "tone": "warm", "language": "English", "platforms": ["bluesky"], "variants": "1"}


@pytest.fixture(autouse=True)
def connected(alice: User, bob: User) -> None:
    """Drafts are written only for platforms the user posts to: both have Bluesky and X connected."""
    for user in (alice, bob):
        create_account(user, Platform.BLUESKY)
        create_account(user, Platform.X)


def used(user: User) -> int:
    return usage_on(workspace_of(user), metric=Metric.GENERATIONS, day=local_day(workspace_of(user)))


def events(body: bytes) -> list[tuple[str, object]]:
    parsed = []
    for block in body.decode().strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        parsed.append((lines.get("event", "message"), json.loads(lines["data"])))
    return parsed


def test_the_pages_need_a_login(client: Client) -> None:
    for url in ("/generate/", "/generate/provider/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    assert client.post("/generate/stream/", BRIEF).status_code == 302


def test_without_a_provider_the_page_says_so_plainly(client: Client, alice: User) -> None:
    client.force_login(alice)
    page = client.get("/generate/").content.decode()
    assert "No AI provider is set up." in page
    assert 'href="/generate/provider/"' in page
    assert 'id="brief"' not in page
    page = client.post("/generate/", BRIEF).content.decode()
    assert "No AI provider is set up, so nothing can be written for you." in page
    response = client.post("/generate/stream/", BRIEF)
    assert response.status_code == 503
    assert response.json()["code"] == "no_ai_provider"


def test_the_page_writes_drafts_and_escapes_them(client: Client, alice: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("Come in! <script>alert(1)</script>"))
    client.force_login(alice)
    page = client.get("/generate/").content.decode()
    assert f"Writing with <strong>{MODEL}</strong>" in page
    assert "0 of 5 used on the Free plan." in page
    page = client.post("/generate/", BRIEF).content.decode()
    assert "Come in! &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "1 of 5 used on the Free plan." in page
    assert "Topic: A new bakery" in site_provider.requests[0].prompt


def test_a_thread_is_shown_part_by_part(client: Client, bob: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("Bread. " * 80))
    client.force_login(bob)
    page = client.post("/generate/", {**BRIEF, "platforms": ["bluesky"]}).content.decode()
    assert "A thread of 2 posts:" in page
    assert "2 posts, each within 300 characters." in page
    assert page.count(" 1/2</pre>") == page.count(" 2/2</pre>") == 1
    assert "version 1" not in page


def test_the_limit_refusal_is_shown_with_what_the_request_needed(
    client: Client, alice: User, site_provider: FakeOpenAI
) -> None:
    count_usage(workspace_of(alice), metric=Metric.GENERATIONS, amount=4)
    client.force_login(alice)
    page = client.post("/generate/", {**BRIEF, "platforms": ["bluesky", "x"]}).content.decode()
    assert "Today&#x27;s AI generations are used up: 4 of 5 used on the Free plan." in page
    assert "This request needs 2 (one per draft)." in page
    assert site_provider.requests == []


def test_provider_errors_are_shown_plainly(client: Client, alice: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Fail(401, f"bad key {API_KEY}"))
    client.force_login(alice)
    page = client.post("/generate/", BRIEF).content.decode()
    assert "The AI provider refused the API key (HTTP 401)." in page
    assert API_KEY not in page


def test_rewrite_and_shorten_from_the_page(client: Client, bob: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("Formal version."), Reply("Short."))
    client.force_login(bob)
    form = {"platform": "x", "text": "hey, new shop!!", "instruction": "more formal"}
    assert "Formal version." in client.post("/generate/revise/", {**form, "action": "rewrite"}).content.decode()
    assert "Short." in client.post("/generate/revise/", {**form, "action": "shorten"}).content.decode()
    assert "Instruction: more formal" in site_provider.requests[0].prompt
    assert "Shorten the X post below" in site_provider.requests[1].prompt
    assert used(bob) == 2


def test_the_stream_sends_chunks_then_the_draft(client: Client, alice: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("Warm bread, new shop."))
    client.force_login(alice)
    response = client.post("/generate/stream/", BRIEF)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    received = events(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert received == [
        ("message", "Warm "),
        ("message", "bread, "),
        ("message", "new "),
        ("message", "shop."),
        (
            "done",
            {
                "platform": "bluesky",
                "variant": 1,
                "text": "Warm bread, new shop.",
                "parts": ["Warm bread, new shop."],
                "problems": [],
            },
        ),
    ]
    assert used(alice) == 1


def test_the_stream_answers_refusals_with_an_http_status(
    client: Client, alice: User, site_provider: FakeOpenAI
) -> None:
    client.force_login(alice)
    response = client.post("/generate/stream/", {**BRIEF, "platforms": ["x", "bluesky"]})
    assert (response.status_code, response.json()["field"]) == (400, "platforms")
    site_provider.then(Fail(401, "nope"))
    response = client.post("/generate/stream/", BRIEF)
    assert (response.status_code, response.json()["code"]) == (502, "ai_provider_auth")
    assert used(alice) == 0
    count_usage(workspace_of(alice), metric=Metric.GENERATIONS, amount=5)
    response = client.post("/generate/stream/", BRIEF)
    assert response.status_code == 429
    assert response.json()["limit"] == 5


def test_provider_settings_store_the_key_and_never_show_it(
    client: Client, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")  # a model server on this machine (Ollama)
    client.force_login(bob)
    form = {"kind": "openai", "base_url": "http://localhost:11434/v1", "model": "llama3.1", "api_key": API_KEY}
    response = client.post("/generate/provider/", form)
    assert response.status_code == 302
    stored = AIProviderConfig.objects.get(workspace=workspace_of(bob))
    assert (stored.kind, stored.base_url, stored.model, stored.api_key) == (
        "openai",
        "http://localhost:11434/v1",
        "llama3.1",
        API_KEY,
    )
    page = client.get("/generate/provider/").content.decode()
    assert "a key is stored" in page
    assert API_KEY not in page
    page = client.get("/generate/").content.decode()
    assert "Writing with <strong>llama3.1</strong>" in page
    assert "your own provider" in page
    client.post("/generate/provider/", {"remove": "1"})
    assert not AIProviderConfig.objects.filter(workspace=workspace_of(bob)).exists()
    assert "No AI provider is set up." in client.get("/generate/").content.decode()


def test_a_users_provider_at_an_internal_service_is_refused_and_its_answer_never_shown(
    client: Client, bob: User, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(bob)
    form = {"kind": "openai", "base_url": server.url, "model": "m", "api_key": ""}
    page = client.post("/generate/provider/", form).content.decode()
    assert "That base URL is not allowed: 127.0.0.1 is on this machine or a private network" in page
    assert not AIProviderConfig.objects.exists()

    # Stored while its name was public; it points inside now. The internal service would tell its secrets.
    AIProviderConfig.objects.create(workspace=workspace_of(bob), kind="openai", model="m", base_url=server.url)
    server.default = lambda request: Fail(400, "internal admin: password hunter2", type="invalid_request_error")
    page = client.post("/generate/", BRIEF).content.decode()
    assert "The AI provider&#x27;s address is not allowed: 127.0.0.1 is on this machine" in page
    response = client.post("/generate/stream/", BRIEF)
    assert (response.status_code, response.json()["code"]) == (502, "ai_provider_error")
    assert server.requests == []
    assert used(bob) == 0

    # Where local servers are allowed and the service answers, the page says what happened, not what it said.
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")
    page = client.post("/generate/", BRIEF).content.decode()
    assert "The AI provider answered 400 Bad Request. Check the model name and the base URL." in page
    response = client.post("/generate/stream/", BRIEF)
    assert (
        response.json()["message"] == "The AI provider answered 400 Bad Request. Check the model name and the base URL."
    )
    assert len(server.requests) == 2
    assert "hunter2" not in page + response.content.decode()
    assert used(bob) == 0


def test_only_connected_platforms_are_offered_and_none_is_ticked_for_the_user(
    client: Client, alice: User, carol: User, site_provider: FakeOpenAI
) -> None:
    client.force_login(alice)
    page = client.get("/generate/").content.decode()
    assert 'name="platforms" value="bluesky">' in page
    assert 'name="platforms" value="x">' in page
    assert 'value="mastodon"' not in page
    assert "checked" not in page.split('id="brief"')[1].split("</fieldset>")[0]

    client.force_login(carol)
    create_account(carol, Platform.MASTODON)
    page = client.get("/generate/").content.decode()
    assert 'name="platforms" value="mastodon" checked>' in page


def test_a_platform_without_an_account_is_refused_and_costs_nothing(
    client: Client, alice: User, site_provider: FakeOpenAI
) -> None:
    client.force_login(alice)
    page = client.post("/generate/", {**BRIEF, "platforms": ["mastodon"]}).content.decode()
    assert "Connect an account on mastodon first: drafts are written for yours." in page
    response = client.post("/generate/stream/", {**BRIEF, "platforms": ["mastodon"]})
    assert response.status_code == 400
    assert site_provider.requests == []
    assert used(alice) == 0


def test_a_rewrite_from_the_page_changes_only_its_own_draft(
    client: Client, bob: User, site_provider: FakeOpenAI
) -> None:
    site_provider.then(Reply("Formal version."))
    client.force_login(bob)
    form = {"platform": "x", "text": "hey, new shop!!", "instruction": "more formal", "action": "rewrite"}
    card = client.post("/generate/revise/", form, HTTP_HX_REQUEST="true").content.decode()
    assert card.lstrip().startswith('<section class="card mb-3 draft"')
    assert "Formal version." in card
    assert 'id="brief"' not in card
    assert "<h1" not in card
    assert used(bob) == 1
