import pytest
from django.test import Client

from tests.conftest import create_account
from tests.generation.fake_openai import FakeOpenAI, Reply
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.generation.models import GenerationLog
from tidings.platforms.models import Platform

pytestmark = pytest.mark.django_db


def test_the_composer_shows_one_draft_per_platform(client: Client, bob: User, ai_model: FakeOpenAI) -> None:
    ai_model.default = lambda request: Reply(text="Fresh <b>coffee</b> at 9!")
    accounts = [create_account(bob, Platform.BLUESKY), create_account(bob, Platform.MASTODON)]
    client.force_login(bob)

    page = client.post(
        "/compose/generate/", {"topic": "Coffee", "tone": "cheerful", "accounts": [a.pk for a in accounts]}
    ).content.decode()

    assert page.count('data-testid="draft"') == 2
    assert "Fresh &lt;b&gt;coffee&lt;/b&gt; at 9!" in page
    assert "<b>coffee</b>" not in page
    assert GenerationLog.objects.filter(workspace=workspace_of(bob), outcome="ok").count() == 2
    assert "Coffee" in ai_model.requests[0].prompt


def test_without_a_provider_the_composer_says_so(client: Client, bob: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIDINGS_AI_PROVIDER", raising=False)
    client.force_login(bob)
    page = client.post("/compose/generate/", {"topic": "x", "accounts": [create_account(bob).pk]}).content.decode()
    assert "No AI provider is set up" in page
    assert 'data-testid="draft"' not in page


def test_the_daily_generation_limit_is_explained(client: Client, alice: User, ai_model: FakeOpenAI) -> None:
    account = create_account(alice)
    client.force_login(alice)
    for _ in range(5):
        client.post("/compose/generate/", {"topic": "x", "accounts": [account.pk]})
    page = client.post("/compose/generate/", {"topic": "x", "accounts": [account.pk]}).content.decode()
    assert "Today&#x27;s AI generations are used up: 5 of 5 used on the Free plan." in page
    assert len(ai_model.requests) == 5


def test_accounts_must_be_chosen_first(client: Client, bob: User, ai_model: FakeOpenAI) -> None:
    client.force_login(bob)
    page = client.post("/compose/generate/", {"topic": "x"}).content.decode()
    assert "Choose the accounts first" in page
    assert ai_model.requests == []
