"""The export holds everything the user owns (their own data and their personal workspace's), exactly, and no
secret nor anything of anyone else, nor of a shared workspace they are only a member of."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.states import bring_to
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.export import FORMAT, export_user_data
from tidings.api.services import create_token
from tidings.generation.config import save_provider_config
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.platforms.models import Platform
from tidings.posts.models import TargetStatus
from tidings.posts.services import create_post
from tidings.tiers.plans import Tier
from tidings.workspaces.roles import Action, Role

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_users_data_and_no_secrets(django_assert_max_num_queries) -> None:
    bob = make_user("bob", Tier.PRO, email="bob@example.com", time_zone="Europe/Lisbon")
    account = create_account(bob, Platform.MASTODON)
    post = create_scheduled_post(bob, [account], text="Fresh bread at 7", days=1)
    sent = create_scheduled_post(bob, [account], text="Out already", days=2)
    bring_to(sent.targets.get(), TargetStatus.PUBLISHED)
    notify(
        workspace_of(bob),
        audience=Action.SCHEDULE,
        type=NotificationType.POST_FAILED,
        title="A post failed",
        message="Server trouble",
    )
    _, token_secret = create_token(owner(bob), name="script", scopes=["posts:read"])
    save_provider_config(owner(bob), kind="openai", model="gpt-4o-mini", api_key="sk-very-secret")
    carol = make_user("carol", Tier.BUSINESS)
    create_scheduled_post(carol, [create_account(carol)], text="Carol's post", days=1)
    # Bob writes for carol's workspace too: that post is the workspace's, not part of his copy.
    in_carols = join(bob, workspace_of(carol), Role.EDITOR)
    create_post(in_carols, text="Bob's draft for carol", account_ids=[])

    with django_assert_max_num_queries(14):
        data = export_user_data(bob)
    body = json.dumps(data, cls=DjangoJSONEncoder)

    assert data["format"] == FORMAT
    assert data["profile"]["username"] == "bob"
    assert data["profile"]["email"] == "bob@example.com"
    assert data["workspace"]["time_zone"] == "Europe/Lisbon"
    # The balance as it is now: 500 granted, one spent by the published post (the ledger below says so too).
    assert (data["workspace"]["plan"], data["workspace"]["credits"]) == ("pro", 499)
    assert data["workspace"]["id"] == workspace_of(bob).pk
    assert [(m["workspace_id"], m["role"]) for m in data["memberships"]] == [
        (workspace_of(bob).pk, "owner"),
        (workspace_of(carol).pk, "editor"),
    ]
    assert [a["handle"] for a in data["accounts"]] == ["@bob1"]
    assert [p["text"] for p in data["posts"]] == ["Fresh bread at 7", "Out already"]
    assert [(t["post_id"], t["status"]) for t in data["targets"]] == [(post.pk, "scheduled"), (sent.pk, "published")]
    assert [(e["kind"], e["amount"]) for e in data["ledger"]] == [("grant", 500), ("grant", 30), ("consume", -1)]
    assert [r["status"] for r in data["reservations"]] == ["pending", "consumed"]
    assert [n["title"] for n in data["notifications"]] == ["A post failed"]
    assert [t["name"] for t in data["api_tokens"]] == ["script"]
    assert data["media"] == []
    for secret in ("token-bob-1", token_secret, "sk-very-secret", "pbkdf2", "Carol's post", "Bob's draft for carol"):
        assert secret not in body
