"""Generating, rewriting and shortening through the real `openai` client and the loopback server."""

import pytest

from tests.generation.conftest import MODEL
from tests.generation.fake_openai import Fail, FakeOpenAI, Hang, Reply, Request
from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import InvalidInput
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.generation.brief import Brief
from tidings.generation.drafts import TRUNCATED
from tidings.generation.models import GenerationLog
from tidings.generation.prompts import PROMPT_VERSION, generate_messages
from tidings.generation.services import generate_posts, rewrite_text, shorten_text
from tidings.generation.writers.base import ProviderAuthError, ProviderError, ProviderUnavailable
from tidings.platforms.rules import text_length, text_problems
from tidings.usage.models import Metric
from tidings.usage.services import local_day, usage_on

pytestmark = pytest.mark.django_db

BRIEF = Brief(topic="Our bakery opens a second shop", tone="warm", audience="neighbours", language="English")


def used(user: User) -> int:
    return usage_on(workspace_of(user), metric=Metric.GENERATIONS, day=local_day(workspace_of(user)))


def logs(user: User) -> list[dict[str, object]]:
    fields = ("provider", "model", "action", "platform", "prompt_version", "tokens_in", "tokens_out", "outcome")
    return list(GenerationLog.objects.filter(workspace=workspace_of(user)).order_by("id").values(*fields, "error"))


def test_a_generation_returns_the_models_draft_and_logs_the_call(alice: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("Fresh bread, new address! Come say hello.", tokens_in=120, tokens_out=14))
    [draft] = generate_posts(owner(alice), brief=BRIEF, platforms=["bluesky"])
    assert draft.as_dict() == {
        "platform": "bluesky",
        "variant": 1,
        "text": "Fresh bread, new address! Come say hello.",
        "parts": ["Fresh bread, new address! Come say hello."],
        "problems": [],
    }
    assert logs(alice) == [
        {
            "provider": "openai",
            "model": MODEL,
            "action": "generate",
            "platform": "bluesky",
            "prompt_version": PROMPT_VERSION,
            "tokens_in": 120,
            "tokens_out": 14,
            "outcome": "ok",
            "error": "",
        }
    ]
    assert 0 <= GenerationLog.objects.get().latency_ms < 5000
    [request] = site_provider.requests
    sent = [{"role": m.role, "content": m.content} for m in generate_messages(BRIEF, platform="bluesky")]
    assert request.body["messages"] == sent
    assert request.body["model"] == MODEL
    assert used(alice) == 1
    assert workspace_of(alice).credits == 10
    assert not CreditReservation.objects.exists()
    assert not CreditLedgerEntry.objects.filter(workspace=workspace_of(alice)).exclude(kind="grant").exists()


def answer_per_platform(request: Request) -> Reply:
    system = request.body["messages"][0]["content"]
    if "publish on X" in system:
        paragraphs = [f"Paragraph {n}: " + "we bake every single morning for you " * 4 for n in range(4)]
        return Reply("\n\n".join(paragraphs))
    if "publish on Instagram" in system:
        return Reply("New shop! " + " ".join(f"#bread{n}" for n in range(35)))
    return Reply("Fresh bread, new address.")


def test_each_platform_gets_its_own_draft_fitted_to_its_rules(bob: User, site_provider: FakeOpenAI) -> None:
    site_provider.default = answer_per_platform
    drafts = {d.platform: d for d in generate_posts(owner(bob), brief=BRIEF, platforms=["x", "instagram", "mastodon"])}
    assert len(site_provider.requests) == 3
    x = drafts["x"]
    assert x.is_thread
    assert len(x.parts) == 4
    assert all(text_length("x", part) <= 280 for part in x.parts)
    assert [part.rsplit(" ", 1)[1] for part in x.parts] == ["1/4", "2/4", "3/4", "4/4"]
    assert x.problems == ()
    instagram = drafts["instagram"]
    assert instagram.parts == (instagram.text,)  # not cut, not split: Instagram has no threads
    assert instagram.text.count("#bread") == 35
    assert instagram.problems == ("The caption has 35 hashtags; Instagram allows at most 30.",)
    assert drafts["mastodon"].parts == ("Fresh bread, new address.",)
    assert used(bob) == 3
    assert [row["platform"] for row in logs(bob)] == ["x", "instagram", "mastodon"]


def test_several_variants_take_different_angles(bob: User, site_provider: FakeOpenAI) -> None:
    drafts = generate_posts(owner(bob), brief=BRIEF, platforms=["bluesky", "linkedin"], variants=3)
    assert [(d.platform, d.variant) for d in drafts] == [
        ("bluesky", 1),
        ("bluesky", 2),
        ("bluesky", 3),
        ("linkedin", 1),
        ("linkedin", 2),
        ("linkedin", 3),
    ]
    prompts = [r.prompt for r in site_provider.requests]
    assert [f"This is version {n} of 3." in prompts[n - 1] for n in (1, 2, 3)] == [True, True, True]
    assert len(set(prompts)) == 6
    assert used(bob) == 6
    assert GenerationLog.objects.filter(workspace=workspace_of(bob), outcome="ok").count() == 6


def test_rewrite_sends_the_text_and_the_instruction(bob: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("Dear neighbours, our second shop is open."))
    draft = rewrite_text(owner(bob), text="2nd shop open!!", instruction="more formal", platform="linkedin")
    assert draft.text == "Dear neighbours, our second shop is open."
    prompt = site_provider.requests[0].prompt
    assert "Instruction: more formal" in prompt
    assert "Text:\n2nd shop open!!" in prompt
    assert logs(bob)[0]["action"] == "rewrite"
    assert used(bob) == 1


def test_shorten_asks_for_a_tenth_under_the_limit_of_a_single_post(bob: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("Second shop open. Come by!"))
    long_text = "We opened a second shop. " * 20
    draft = shorten_text(owner(bob), text=long_text, platform="bluesky")
    assert draft.parts == ("Second shop open. Come by!",)
    prompt = site_provider.requests[0].prompt
    assert "to at most 270 characters, as a single post, not a thread" in prompt
    assert "write a short thread" not in prompt
    assert logs(bob)[0]["action"] == "shorten"


def test_a_shortened_text_still_too_long_says_so_instead_of_becoming_a_thread(
    bob: User, site_provider: FakeOpenAI
) -> None:
    site_provider.then(Reply("Still far too long. " * 20))
    draft = shorten_text(owner(bob), text="Long. " * 100, platform="bluesky")
    assert draft.parts == (draft.text,)
    assert draft.problems == (
        "The post is 399 characters long; Bluesky allows 300. Split it into a thread or shorten it.",
    )


def test_shortening_text_that_already_fits_aims_for_two_thirds(bob: User, site_provider: FakeOpenAI) -> None:
    shorten_text(owner(bob), text="x" * 150, platform="bluesky")
    assert "to at most 100 characters" in site_provider.requests[0].prompt


def test_a_too_long_answer_for_a_platform_without_threads_is_kept_whole_with_the_problem(
    bob: User, site_provider: FakeOpenAI
) -> None:
    text = "A pin about bread. " * 40
    site_provider.then(Reply(text))
    [draft] = generate_posts(owner(bob), brief=BRIEF, platforms=["pinterest"])
    assert draft.text == text.strip()
    assert draft.parts == (text.strip(),)
    assert draft.problems == tuple(text_problems("pinterest", text.strip()))
    assert "Pinterest allows 500" in draft.problems[0]


def test_an_answer_cut_at_the_token_budget_says_so(bob: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("Our new shop is", finish_reason="length"))
    [draft] = generate_posts(owner(bob), brief=BRIEF, platforms=["bluesky"])
    assert draft.problems == (TRUNCATED,)


def test_reasoning_and_wrapping_quotes_are_not_part_of_the_post(bob: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply('<think>The user wants warmth.</think>\n"Fresh bread, new address."'))
    [draft] = generate_posts(owner(bob), brief=BRIEF, platforms=["bluesky"])
    assert draft.text == "Fresh bread, new address."


def test_a_wrong_key_is_a_clear_error_logged_once_and_costs_nothing(alice: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Fail(401, "Incorrect API key provided"))
    with pytest.raises(ProviderAuthError) as error:
        generate_posts(owner(alice), brief=BRIEF, platforms=["bluesky"])
    assert "refused the API key" in error.value.message
    assert len(site_provider.requests) == 1
    [row] = logs(alice)
    assert row["outcome"] == "error"
    assert row["error"] == f"ai_provider_auth: {error.value.message}"
    assert (row["tokens_in"], row["tokens_out"]) == (0, 0)
    assert used(alice) == 0


def test_a_transient_failure_is_retried_within_one_logged_call(alice: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Fail(500), Reply("Made it."))
    [draft] = generate_posts(owner(alice), brief=BRIEF, platforms=["bluesky"])
    assert draft.text == "Made it."
    assert len(site_provider.requests) == 2
    assert [row["outcome"] for row in logs(alice)] == ["ok"]
    assert used(alice) == 1


def test_a_provider_that_stays_down_is_unavailable_and_costs_nothing(alice: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Fail(500), Fail(500), Fail(500))
    with pytest.raises(ProviderUnavailable):
        generate_posts(owner(alice), brief=BRIEF, platforms=["bluesky"])
    assert len(site_provider.requests) == 3
    assert [row["outcome"] for row in logs(alice)] == ["error"]
    assert used(alice) == 0


def test_a_provider_that_times_out_is_unavailable_after_three_attempts(
    alice: User, site_provider: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_AI_TIMEOUT", "0.3")
    site_provider.then(Hang(), Hang(), Hang())
    with pytest.raises(ProviderUnavailable, match=r"did not answer within 0\.3 seconds"):
        generate_posts(owner(alice), brief=BRIEF, platforms=["bluesky"])
    assert len(site_provider.requests) == 3
    [row] = logs(alice)
    assert row["outcome"] == "error"
    assert GenerationLog.objects.get().latency_ms >= 900
    assert used(alice) == 0


def test_a_request_that_fails_part_way_gives_back_all_it_took(bob: User, site_provider: FakeOpenAI) -> None:
    site_provider.then(Reply("First."), Fail(400, "Unsupported parameter"))
    with pytest.raises(ProviderError, match="answered 400 Bad Request"):
        generate_posts(owner(bob), brief=BRIEF, platforms=["bluesky", "x", "mastodon"])
    assert len(site_provider.requests) == 2
    assert [(row["platform"], row["outcome"]) for row in logs(bob)] == [("bluesky", "ok"), ("x", "error")]
    assert used(bob) == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"brief": Brief(topic="  "), "platforms": ["x"]}, "topic"),
        ({"brief": BRIEF, "platforms": []}, "platforms"),
        ({"brief": BRIEF, "platforms": ["myspace"]}, "platforms"),
        ({"brief": BRIEF, "platforms": ["x"], "variants": 6}, "variants"),
        ({"brief": BRIEF, "platforms": ["x", "bluesky", "mastodon", "threads", "linkedin"], "variants": 5}, "variants"),
        ({"brief": Brief(topic="t", link="javascript:alert(1)"), "platforms": ["x"]}, "link"),
        ({"brief": Brief(topic="t", hashtags=("#ok", "not ok")), "platforms": ["x"]}, "hashtags"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent_or_counted(
    alice: User, site_provider: FakeOpenAI, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refusal:
        generate_posts(owner(alice), **kwargs)  # type: ignore[arg-type]
    assert refusal.value.details == {"field": field}
    assert site_provider.requests == []
    assert used(alice) == 0
    assert not GenerationLog.objects.exists()
