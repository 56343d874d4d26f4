"""The export holds everything the user owns, exactly, and no secret nor anything of anyone else."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.states import bring_to
from tests.support.workspaces import owner
from tidings.accounts.export import FORMAT, export_user_data
from tidings.api.services import create_token
from tidings.generation.config import save_provider_config
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.platforms.models import Platform
from tidings.posts.models import TargetStatus
from tidings.tiers.plans import Tier

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_users_data_and_no_secrets(django_assert_max_num_queries) -> None:
    bob = make_user("bob", Tier.PRO, email="bob@example.com", time_zone="Europe/Lisbon")
    account = create_account(bob, Platform.MASTODON)
    post = create_scheduled_post(bob, [account], text="Fresh bread at 7", days=1)
    sent = create_scheduled_post(bob, [account], text="Out already", days=2)
    bring_to(sent.targets.get(), TargetStatus.PUBLISHED)
    notify(bob, type=NotificationType.POST_FAILED, title="A post failed", message="Server trouble")
    _, token_secret = create_token(owner(bob), name="script", scopes=["posts:read"])
    save_provider_config(owner(bob), kind="openai", model="gpt-4o-mini", api_key="sk-very-secret")
    carol = make_user("carol", Tier.BUSINESS)
    create_scheduled_post(carol, [create_account(carol)], text="Carol's post", days=1)

    with django_assert_max_num_queries(12):
        data = export_user_data(bob)
    body = json.dumps(data, cls=DjangoJSONEncoder)

    assert data["format"] == FORMAT
    assert data["profile"]["username"] == "bob"
    assert data["profile"]["email"] == "bob@example.com"
    assert data["profile"]["time_zone"] == "Europe/Lisbon"
    assert (data["profile"]["plan"], data["profile"]["credits"]) == ("pro", 500)
    assert [a["handle"] for a in data["accounts"]] == ["@bob1"]
    assert [p["text"] for p in data["posts"]] == ["Fresh bread at 7", "Out already"]
    assert [(t["post_id"], t["status"]) for t in data["targets"]] == [(post.pk, "scheduled"), (sent.pk, "published")]
    assert [(e["kind"], e["amount"]) for e in data["ledger"]] == [("grant", 500), ("grant", 30), ("consume", -1)]
    assert [r["status"] for r in data["reservations"]] == ["pending", "consumed"]
    assert [n["title"] for n in data["notifications"]] == ["A post failed"]
    assert [t["name"] for t in data["api_tokens"]] == ["script"]
    assert data["media"] == []
    for secret in ("token-bob-1", token_secret, "sk-very-secret", "pbkdf2", "Carol's post"):
        assert secret not in body
