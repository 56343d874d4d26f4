"""Every model's changelist and change page load for staff; nobody else gets in; secrets never show."""

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from tests.support.workspaces import workspace_of
from tidings.accounts.demo import seed_demo
from tidings.accounts.models import User
from tidings.api.services import create_token
from tidings.automation.models import AutomationRule, FeedItem
from tidings.generation.models import AIProviderConfig, GenerationLog, GenerationOutcome
from tidings.jobs.models import JobLog
from tidings.platforms.models import SocialAccount
from tidings.posts.models import MediaAsset, Post
from tidings.workspaces.services import acting_alone

pytestmark = pytest.mark.django_db
# The API room registers its own admin; it is someone else's and tested there.
OURS = {
    "accounts",
    "credits",
    "usage",
    "notifications",
    "platforms",
    "posts",
    "generation",
    "automation",
    "jobs",
    "workspaces",
    "api",
}


@pytest.fixture
def everything(staff: User, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    seed_demo(password="demo password 1")
    user = User.objects.get(username="demo-pro")
    account = SocialAccount.objects.filter(workspace=workspace_of(user)).first()
    rule = AutomationRule.objects.create(
        workspace=workspace_of(user), name="Weekly", schedule="0 9 * * 1", brief={"topic": "news"}
    )
    rule.accounts.add(account)
    FeedItem.objects.create(rule=rule, key="urn:1", title="Hello", link="https://shop.example/hello")
    GenerationLog.objects.create(
        workspace=workspace_of(user), provider="openai", model="m", outcome=GenerationOutcome.OK, latency_ms=5
    )
    AIProviderConfig.objects.create(
        workspace=workspace_of(user), kind="openai", model="m", api_key="sk-very-secret-key"
    )
    JobLog.objects.create(event="credits/check.low", workflow_id="wf-1", workspace=workspace_of(user))
    asset = MediaAsset(
        workspace=workspace_of(user),
        post=Post.objects.filter(workspace=workspace_of(user)).first(),
        kind="image",
        mime_type="image/png",
    )
    asset.size_bytes = 3
    asset.file.save("a.png", ContentFile(b"png"), save=True)
    create_token(acting_alone(user), name="admin pages", scopes=["posts:read"])


def registered() -> list[type]:
    return [model for model in admin.site._registry if model._meta.app_label in OURS]


def test_every_app_registers_its_models() -> None:
    labels = {(m._meta.app_label, m._meta.model_name) for m in registered()}
    assert labels >= {
        ("accounts", "user"),
        ("credits", "creditledgerentry"),
        ("credits", "creditreservation"),
        ("usage", "dailyusage"),
        ("notifications", "notification"),
        ("platforms", "socialaccount"),
        ("posts", "post"),
        ("posts", "posttarget"),
        ("posts", "mediaasset"),
        ("generation", "generationlog"),
        ("generation", "aiproviderconfig"),
        ("automation", "automationrule"),
        ("jobs", "joblog"),
        ("workspaces", "workspace"),
        ("api", "apitoken"),
    }


@pytest.mark.usefixtures("everything")
def test_changelists_and_change_pages_load_for_staff(staff_client: Client) -> None:
    for model in registered():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert staff_client.get(changelist).status_code == 200, changelist
        assert staff_client.get(changelist, {"q": "demo"}).status_code == 200, changelist
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"no {opts.model_name} in the dataset"
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert staff_client.get(change).status_code == 200, change


@pytest.mark.usefixtures("everything")
def test_tokens_and_keys_are_never_shown(staff_client: Client) -> None:
    account = SocialAccount.objects.exclude(access_token="").first()
    assert account is not None
    page = staff_client.get(reverse("admin:platforms_socialaccount_change", args=[account.pk])).content.decode()
    assert account.access_token not in page
    assert ">set<" in page
    listing = staff_client.get(reverse("admin:platforms_socialaccount_changelist")).content.decode()
    assert account.access_token not in listing
    config = AIProviderConfig.objects.get()
    page = staff_client.get(reverse("admin:generation_aiproviderconfig_change", args=[config.pk])).content.decode()
    assert "sk-very-secret-key" not in page
    assert ">set<" in page


def test_the_ledger_cannot_be_added_changed_or_deleted(staff_client: Client, alice: User) -> None:
    entry = workspace_of(alice).ledger.get(balance="credits")
    assert staff_client.get(reverse("admin:credits_creditledgerentry_add")).status_code == 403
    change = reverse("admin:credits_creditledgerentry_change", args=[entry.pk])
    page = staff_client.get(change).content.decode()
    assert 'name="_save"' not in page
    assert staff_client.post(change, {"amount": 999, "reason": "x"}).status_code == 403
    assert staff_client.post(reverse("admin:credits_creditledgerentry_delete", args=[entry.pk])).status_code == 403
    listing = staff_client.get(reverse("admin:credits_creditledgerentry_changelist")).content.decode()
    assert "delete_selected" not in listing
    entry.refresh_from_db()
    assert (entry.amount, workspace_of(alice).ledger.count()) == (10, 2)  # and the video credits grant


@pytest.mark.parametrize("path", ["/admin/", "/admin/accounts/user/", "/ops/"])
def test_only_staff_get_in(client: Client, alice: User, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
