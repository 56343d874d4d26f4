import pytest

from tests.api.conftest import Api, error
from tests.generation.conftest import AI_VARIABLES
from tests.generation.fake_openai import Fail, FakeOpenAI, Reply
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.generation.writers import retry
from tidings.usage.models import Metric
from tidings.usage.services import count_usage, local_day, usage_on

pytestmark = pytest.mark.django_db
BRIEF = {"topic": "A new bakery", "tone": "warm", "platforms": ["bluesky"]}


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "sleep", lambda seconds: None)


def used(user: User) -> int:
    return usage_on(workspace_of(user), metric=Metric.GENERATIONS, day=local_day(workspace_of(user)))


def test_generate_rewrite_and_shorten(alice: User, alice_api: Api, ai_model: FakeOpenAI) -> None:
    ai_model.then(Reply("Fresh bread, warm welcome."), Reply("Bread. Now."), Reply("Bread!"))
    body = alice_api.post("/generate", {**BRIEF, "hashtags": ["bread"]}).json()
    assert body["drafts"] == [
        {
            "platform": "bluesky",
            "variant": 1,
            "text": "Fresh bread, warm welcome.",
            "parts": ["Fresh bread, warm welcome."],
            "problems": [],
        }
    ]
    assert (
        alice_api.post("/generate/rewrite", {"text": "x", "instruction": "shorter", "platform": "x"}).json()["text"]
        == "Bread. Now."
    )
    assert (
        alice_api.post("/generate/shorten", {"text": "Bread bread", "platform": "mastodon"}).json()["text"] == "Bread!"
    )
    assert used(alice) == 3


def test_bad_briefs_name_the_field(alice_api: Api, ai_model: FakeOpenAI) -> None:
    assert error(alice_api.post("/generate", {"platforms": ["bluesky"]}), 400, "invalid_input")["field"] == "topic"
    assert error(alice_api.post("/generate", {**BRIEF, "platforms": []}), 400, "invalid_input")["field"] == "platforms"
    assert error(alice_api.post("/generate", {**BRIEF, "variants": 6}), 400, "invalid_input")["field"] == "variants"
    assert error(alice_api.post("/generate", {**BRIEF, "link": "nope"}), 400, "invalid_input")["field"] == "link"
    assert ai_model.requests == []


def test_the_daily_limit_is_a_tier_refusal(alice: User, alice_api: Api, ai_model: FakeOpenAI) -> None:
    count_usage(workspace_of(alice), metric=Metric.GENERATIONS, amount=5)
    body = error(alice_api.post("/generate", BRIEF), 403, "tier_limit_reached")
    assert (body["limit"], body["used"], body["tier"]) == (5, 5, "free")
    assert ai_model.requests == []


def test_no_provider_is_503_and_says_so(alice: User, alice_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in AI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    body = error(alice_api.post("/generate", BRIEF), 503, "no_ai_provider")
    assert "No AI provider is set up" in body["message"]
    assert used(alice) == 0


def test_a_provider_that_is_down_is_503_and_costs_nothing(alice: User, alice_api: Api, ai_model: FakeOpenAI) -> None:
    ai_model.default = lambda request: Fail(503, "overloaded")
    error(alice_api.post("/generate", BRIEF), 503, "ai_provider_unavailable")
    assert used(alice) == 0
