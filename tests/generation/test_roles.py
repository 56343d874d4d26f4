"""Who may write with the workspace's model, and who may change which model that is."""

import pytest
from django.test import Client

from tests.conftest import create_account
from tests.generation.fake_openai import FakeOpenAI, Reply
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import NotFound
from tidings.generation.brief import Brief
from tidings.generation.config import provider_config, remove_provider_config, save_provider_config
from tidings.generation.models import AIProviderConfig, GenerationLog
from tidings.generation.services import generate_posts, rewrite_text, shorten_text, stream_generation
from tidings.platforms.models import Platform
from tidings.usage.models import DailyUsage, Metric
from tidings.usage.services import local_day, usage_on
from tidings.web.auth import WORKSPACE_KEY
from tidings.workspaces.roles import Role, RoleTooLow
from tidings.workspaces.services import acting_as

pytestmark = pytest.mark.django_db

BRIEF = Brief(topic="A new bakery")


def used(user: User) -> int:
    return usage_on(workspace_of(user), metric=Metric.GENERATIONS, day=local_day(workspace_of(user)))


def test_a_viewer_may_not_write_and_nothing_is_counted_or_called(
    alice: User, bob: User, site_provider: FakeOpenAI
) -> None:
    viewer = join(alice, workspace_of(bob), Role.VIEWER)
    calls = [
        lambda: generate_posts(viewer, brief=BRIEF, platforms=["x"]),
        lambda: rewrite_text(viewer, text="Hi", instruction="warmer", platform="x"),
        lambda: shorten_text(viewer, text="Hi", platform="x"),
        lambda: stream_generation(viewer, brief=BRIEF, platform="x"),
    ]
    for call in calls:
        with pytest.raises(RoleTooLow) as refusal:
            call()
        assert refusal.value.details == {"role": "viewer", "needed": "contributor", "action": "draft"}
    assert site_provider.requests == []
    assert not DailyUsage.objects.exists()
    assert not GenerationLog.objects.exists()


def test_a_contributor_writes_on_the_workspaces_quota_and_log(
    alice: User, bob: User, site_provider: FakeOpenAI
) -> None:
    contributor = join(alice, workspace_of(bob), Role.CONTRIBUTOR)
    site_provider.then(Reply("Fresh bread on the corner."))
    [draft] = generate_posts(contributor, brief=BRIEF, platforms=["x"])
    assert draft.text == "Fresh bread on the corner."
    assert (used(bob), used(alice)) == (1, 0)
    assert list(GenerationLog.objects.values_list("workspace_id", "outcome")) == [(workspace_of(bob).pk, "ok")]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRIBUTOR, Role.EDITOR])
def test_only_admins_and_the_owner_change_the_provider(alice: User, bob: User, role: Role) -> None:
    save_provider_config(owner(bob), kind="openai", model="bobs-model", api_key="sk-bob")
    member = join(alice, workspace_of(bob), role)
    with pytest.raises(RoleTooLow) as refusal:
        save_provider_config(member, kind="anthropic", model="theirs", api_key="sk-theirs")
    assert refusal.value.details == {"role": role.value, "needed": "admin", "action": "settings"}
    with pytest.raises(RoleTooLow):
        remove_provider_config(member)
    stored = AIProviderConfig.objects.get()
    assert (stored.workspace_id, stored.kind, stored.model, stored.api_key) == (
        workspace_of(bob).pk,
        "openai",
        "bobs-model",
        "sk-bob",
    )


def test_an_admin_sets_the_provider_every_member_writes_with(alice: User, bob: User, carol: User) -> None:
    admin = join(alice, workspace_of(bob), Role.ADMIN)
    save_provider_config(admin, kind="anthropic", model="claude-sonnet-4-5", api_key="sk-ant")
    config = provider_config(workspace_of(bob))
    assert config is not None
    assert (config.kind, config.model, config.source) == ("anthropic", "claude-sonnet-4-5", "workspace")
    # Alice's own workspace and carol's keep their own (none here).
    assert provider_config(workspace_of(alice)) is None
    assert provider_config(workspace_of(carol)) is None
    assert remove_provider_config(admin)
    assert provider_config(workspace_of(bob)) is None


def test_a_stranger_cannot_act_in_the_workspace(alice: User, bob: User) -> None:
    with pytest.raises(NotFound):
        acting_as(alice, workspace_of(bob).pk)


@pytest.mark.urls("tests.generation.urls")
def test_the_pages_answer_a_viewer_with_the_reason(
    client: Client, alice: User, bob: User, site_provider: FakeOpenAI
) -> None:
    create_account(bob, Platform.BLUESKY)
    join(alice, workspace_of(bob), Role.VIEWER)
    client.force_login(alice)
    session = client.session
    session[WORKSPACE_KEY] = workspace_of(bob).pk
    session.save()
    brief = {"topic": "A new bakery", "language": "English", "platforms": ["bluesky"], "variants": "1"}

    response = client.post("/generate/stream/", brief)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "role_too_low"
    page = client.post("/generate/", brief).content.decode()
    assert "Your role in this workspace (Viewer) cannot write drafts" in page
    page = client.post("/generate/provider/", {"kind": "openai", "model": "m"}).content.decode()
    assert "cannot change the workspace&#x27;s settings" in page
    assert site_provider.requests == []
    assert not AIProviderConfig.objects.exists()
    assert used(bob) == 0
