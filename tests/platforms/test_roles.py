"""Connected accounts belong to the workspace: only its admins and owner connect, change or disconnect them, a
pending pick is shown only to the person who signed in, and a reconnect is asked of those who may do it."""

from datetime import timedelta

import pytest
import respx
from django.test import Client
from django.utils import timezone

from tests.conftest import create_account
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.core.errors import NotFound
from tidings.notifications.models import Notification, NotificationType
from tidings.platforms import renewal
from tidings.platforms.base import Identity, TokenSet
from tidings.platforms.boards import choose_default_board
from tidings.platforms.choices import discard_choices, hold_choices, pending_pick, pick_choices
from tidings.platforms.connect import start_connect
from tidings.platforms.models import AccountStatus, PendingConnection, Platform, SocialAccount
from tidings.platforms.services import connect_account, disconnect_account, send_webhook_test
from tidings.web.auth import WORKSPACE_KEY
from tidings.workspaces.models import Membership
from tidings.workspaces.roles import Role, RoleTooLow
from tidings.workspaces.services import acting_as

pytestmark = pytest.mark.django_db
X_TOKEN = "https://api.x.com/2/oauth2/token"


@pytest.fixture(autouse=True)
def _apps(monkeypatch: pytest.MonkeyPatch) -> None:
    for platform in ("X", "FACEBOOK"):
        monkeypatch.setenv(f"TIDINGS_{platform}_CLIENT_ID", f"{platform.lower()}-client")
        monkeypatch.setenv(f"TIDINGS_{platform}_CLIENT_SECRET", f"{platform.lower()}-secret")


def found(*ids: str) -> list[tuple[Identity, TokenSet]]:
    return [(Identity(external_id=i, handle=f"Page {i}"), TokenSet(access_token=f"token-{i}")) for i in ids]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRIBUTOR, Role.EDITOR])
def test_below_admin_no_one_connects_changes_or_disconnects_an_account(alice: User, carol: User, role: Role) -> None:
    account = create_account(carol, Platform.PINTEREST)
    member = join(alice, workspace_of(carol), role)
    with pytest.raises(RoleTooLow) as refusal:
        connect_account(member, platform=Platform.MASTODON, external_id="m-1", handle="@m", access_token="t")
    assert refusal.value.details == {"role": role.value, "needed": "admin", "action": "connect"}
    with pytest.raises(RoleTooLow):
        start_connect(member, platform="x")
    with pytest.raises(RoleTooLow):
        disconnect_account(member, account.pk)
    with pytest.raises(RoleTooLow):
        choose_default_board(member, account.pk, board_id="b-1")
    with pytest.raises(RoleTooLow):
        send_webhook_test(member, account.pk)
    with pytest.raises(RoleTooLow):
        hold_choices(member, platform="facebook", found=found("1", "2"))
    assert list(SocialAccount.objects.values_list("pk", "status", "options")) == [
        (account.pk, AccountStatus.ACTIVE, {})
    ]
    assert not PendingConnection.objects.exists()


def test_an_admin_connects_and_disconnects_the_workspaces_accounts(alice: User, carol: User) -> None:
    admin = join(alice, workspace_of(carol), Role.ADMIN)
    account = connect_account(admin, platform=Platform.MASTODON, external_id="m-1", handle="@m", access_token="t")
    assert account.workspace_id == workspace_of(carol).pk
    assert start_connect(admin, platform="x").url.startswith("https://x.com/i/oauth2/authorize?")
    gone = disconnect_account(admin, account.pk)
    assert (gone.status, gone.access_token) == (AccountStatus.DISCONNECTED, "")
    # The owner sees the same account: it is the workspace's, not the admin's.
    assert disconnect_account(owner(carol), account.pk).pk == account.pk


def test_a_member_of_another_workspace_finds_no_such_account(alice: User, bob: User, carol: User) -> None:
    account = create_account(carol)
    elsewhere = join(alice, workspace_of(bob), Role.ADMIN)
    with pytest.raises(NotFound):
        disconnect_account(elsewhere, account.pk)
    with pytest.raises(NotFound):
        send_webhook_test(elsewhere, account.pk)
    with pytest.raises(NotFound):
        disconnect_account(owner(bob), account.pk)
    assert SocialAccount.objects.get(pk=account.pk).status == AccountStatus.ACTIVE


def test_a_pending_pick_is_for_the_person_who_signed_in_and_its_workspace(alice: User, carol: User) -> None:
    admin = join(alice, workspace_of(carol), Role.ADMIN)
    pending = hold_choices(owner(carol), platform="facebook", found=found("1", "2"))
    assert (pending.user_id, pending.workspace_id) == (carol.pk, workspace_of(carol).pk)
    # Another admin of the same workspace is not shown it, cannot pick from it nor discard it.
    with pytest.raises(NotFound):
        pending_pick(admin, pending.pk)
    with pytest.raises(NotFound):
        pick_choices(admin, pending.pk, external_ids=["1"])
    with pytest.raises(NotFound):
        discard_choices(admin, pending.pk)
    # Nor is the person who signed in, acting in another workspace.
    with pytest.raises(NotFound):
        pending_pick(owner(alice), pending.pk)
    assert [c.external_id for c in pending_pick(owner(carol), pending.pk).choices] == ["1", "2"]
    [picked] = pick_choices(owner(carol), pending.pk, external_ids=["2"])
    assert (picked.workspace_id, picked.external_id) == (workspace_of(carol).pk, "2")
    assert not PendingConnection.objects.exists()


def test_a_pick_needs_the_right_to_connect_still(alice: User, carol: User) -> None:
    admin = join(alice, workspace_of(carol), Role.ADMIN)
    pending = hold_choices(admin, platform="facebook", found=found("1", "2"))
    Membership.objects.filter(workspace=workspace_of(carol), user=alice).update(role=Role.EDITOR)
    with pytest.raises(RoleTooLow):
        pick_choices(acting_as(alice, workspace_of(carol).pk), pending.pk, external_ids=["1"])
    assert not SocialAccount.objects.exists()
    assert PendingConnection.objects.filter(pk=pending.pk).exists()


@respx.mock
def test_a_refused_renewal_asks_the_workspaces_admins_to_reconnect(alice: User, bob: User, carol: User) -> None:
    workspace = workspace_of(carol)
    join(alice, workspace, Role.ADMIN)
    join(bob, workspace, Role.EDITOR)
    account = connect_account(
        owner(carol),
        platform=Platform.X,
        external_id="x-1",
        handle="@x1",
        access_token="at-1",
        refresh_token="rt-1",
        token_expires_at=timezone.now() + timedelta(minutes=5),
    )
    respx.post(X_TOKEN).respond(400, json={"error": "invalid_grant", "error_description": "revoked"})
    assert renewal.refresh_account(account.pk) == "reconnect_needed"
    told = Notification.objects.filter(type=NotificationType.ACCOUNT_RECONNECT, workspace=workspace)
    assert set(told.values_list("user__username", flat=True)) == {"alice", "carol"}
    keys = told.values_list("dedupe_key", flat=True)
    assert all(str(key).startswith(f"{workspace.pk}:account_reconnect:{account.pk}:") for key in keys)


def test_the_connections_page_refuses_an_editor_with_the_reason(alice: User, carol: User) -> None:
    account = create_account(carol)
    join(alice, workspace_of(carol), Role.EDITOR)
    client = Client()
    client.force_login(alice)
    session = client.session
    session[WORKSPACE_KEY] = workspace_of(carol).pk
    session.save()
    page = client.get("/connections/").content.decode()
    assert "@carol1" in page
    response = client.post(f"/connections/accounts/{account.pk}/disconnect/")
    assert response.status_code == 403
    assert "cannot connect or disconnect accounts" in response.content.decode()
    assert SocialAccount.objects.get(pk=account.pk).status == AccountStatus.ACTIVE
