"""Every door, tried from outside and from below: each URL of the web app and each API operation that names one
of a workspace's objects is called by a member of another workspace (404, nothing changed), and every web form and
API change is tried by a viewer of the workspace (403 or 404, nothing changed).

The routes are read from the URL resolver and the API's own schema, so a new one is tried without being listed.
Uploaded files are not among them: each is served by an unguessable name to whoever holds it (the platforms that
fetch media by URL, a client's approval page), like a capability, not by who asks."""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers import serialize
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.api.conftest import Api
from tests.conftest import create_account, create_scheduled_post, make_user
from tests.support.queue import png
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.api.api import api
from tidings.api.models import ApiToken
from tidings.api.scopes import scopes_for
from tidings.api.services import create_token
from tidings.automation.models import AutomationRule
from tidings.automation.services import save_rule
from tidings.bulk.models import ImportJob
from tidings.bulk.services import start_import
from tidings.credits.models import CreditLedgerEntry, CreditReservation
from tidings.library.models import HashtagGroup, Snippet
from tidings.library.services import create_hashtag_group, create_snippet
from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.planning.models import PostingSlot
from tidings.planning.services import add_slot
from tidings.platforms.models import PendingConnection, SocialAccount
from tidings.posts.media import attach_media
from tidings.posts.models import MediaAsset, Post, PostNote, PostTarget
from tidings.posts.services import create_post, schedule_post
from tidings.recurring.models import Recurrence, Repeat
from tidings.recurring.services import Series, set_recurrence
from tidings.tagging.models import AccountTagging, PostTagging
from tidings.tagging.selectors import PostChoice, Values
from tidings.tagging.services import set_account_tagging
from tidings.tiers.plans import Tier
from tidings.webhooks.events import emit
from tidings.webhooks.models import Delivery, DeliveryAttempt, Endpoint, EventType
from tidings.webhooks.services import create_endpoint
from tidings.workspaces.invitations import invite
from tidings.workspaces.models import Invitation, Membership, Workspace
from tidings.workspaces.plan import change_tier, set_tier_limits
from tidings.workspaces.roles import Action

pytestmark = pytest.mark.django_db

WATCHED = [
    Workspace,
    Membership,
    Invitation,
    SocialAccount,
    PendingConnection,
    Post,
    PostTarget,
    PostNote,
    MediaAsset,
    AutomationRule,
    CreditReservation,
    CreditLedgerEntry,
    ApiToken,
    Recurrence,
    Repeat,
    ImportJob,
    Endpoint,
    Delivery,
    DeliveryAttempt,
    Snippet,
    HashtagGroup,
    AccountTagging,
    PostTagging,
    PostingSlot,
]
# Changes no one outside would notice as a change of the workspace: when a token was last used.
IGNORED_FIELDS = {"last_used_at"}
# Words the routes take, tried each (an unknown one must still not open another's object).
WORDS = {
    "action": [
        "schedule",
        "reschedule",
        "unschedule",
        "cancel",
        "duplicate",
        "delete",
        "went-out",
        "did-not-go-out",
        "check",
        "enable",
        "disable",
        "run",
    ],
    "decision": ["approve", "changes", "reject"],
    "platform": ["mastodon"],
}
# Routes whose str parameter is a signed secret, not an object's id: a wrong one is refused on its own terms.
SECRETS = {"token", "secret", "uidb64", "path"}


def snapshot() -> str:
    rows = []
    for model in WATCHED:
        for item in json.loads(serialize("json", model.objects.order_by("pk"))):
            fields = {k: v for k, v in item["fields"].items() if k not in IGNORED_FIELDS}
            rows.append([item["model"], item["pk"], fields])
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class House:
    """alice's Business workspace, with one of everything in it."""

    ids: dict[str, int]


@pytest.fixture
def house(alice: User, carol: User) -> House:
    workspace = workspace_of(alice)
    change_tier(workspace, tier=Tier.BUSINESS)
    set_tier_limits(workspace, overrides={"members": 10})
    account = create_account(alice)
    scheduled = create_scheduled_post(alice, [account], days=1)
    set_recurrence(owner(alice), scheduled.pk, Series(every=1, unit="week"))
    draft = create_post(owner(alice), text="A draft", account_ids=[account.pk])
    attach_media(owner(alice), draft.pk, uploads=[png()])
    writer = join(carol, workspace, "contributor")
    proposal = create_post(writer, text="Proposed", account_ids=[account.pk])
    schedule_post(writer, proposal.pk, at=timezone.now() + timedelta(days=2))
    rule = save_rule(
        owner(alice), name="Mornings", schedule="0 9 * * *", brief={"topic": "bread"}, account_ids=[account.pk]
    )
    notification = notify(workspace, audience=Action.VIEW, type=NotificationType.POST_FAILED, title="t", message="m")[0]
    invitation = invite(owner(alice), email="dana@example.com", role="editor", link=lambda s: s).invitation
    pending = PendingConnection.objects.create(user=alice, workspace=workspace, platform="facebook", choices="[]")
    alice_token = create_token(owner(alice), name="alice's", scopes=["posts:read"])[0]
    imported = start_import(owner(alice), file_name="a.csv", data=b"text,accounts\nImported,@alice1\n")
    endpoint = create_endpoint(owner(alice), url="https://hooks.example.org/", event_types=["credits.low"])
    (delivery_id,) = emit(workspace, EventType.CREDITS_LOW, {"available": 1}, key="house")
    snippet = create_snippet(owner(alice), name="Sign-off", text="See you")
    group = create_hashtag_group(owner(alice), name="Bread", hashtags=["#bread"])
    set_account_tagging(owner(alice), account.pk, enabled=True, values=Values(campaign="spring"))
    create_post(owner(alice), text="Tagged", account_ids=[account.pk], tagging=PostChoice("off"))
    slot = add_slot(owner(alice), account_id=account.pk, weekday=0, at=time(9))
    return House(
        ids={
            "post_id": scheduled.pk,
            "target_id": scheduled.targets.get().pk,
            "account_id": account.pk,
            "rule_id": rule.pk,
            "notification_id": notification.pk,
            "invitation_id": invitation.pk,
            "pending_id": pending.pk,
            "token_id": alice_token.pk,
            "user_id": alice.pk,
            "proposal_id": proposal.pk,
            "draft_id": draft.pk,
            "import_id": imported.pk,
            "endpoint_id": endpoint.pk,
            "delivery_id": delivery_id,
            "snippet_id": snippet.pk,
            "group_id": group.pk,
            "slot_id": slot.pk,
        },
    )


def web_routes() -> list[tuple[str, str]]:
    """(route, name) of every page that takes an object's id or a word, outside the admin and the API."""
    found = []

    def walk(patterns: list, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append((prefix + str(pattern.pattern), pattern.name or ""))

    walk(get_resolver().url_patterns, "")
    return [(route, name) for route, name in found if "<" in route and not route.startswith(("admin/", "api/", "^"))]


def fill(route: str, ids: dict[str, int]) -> list[str]:
    """Every path the route makes with the house's ids and the words it takes; none for a secret's route."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if any(name in SECRETS for name in names):
        return []
    paths = ["/" + route]
    for name in names:
        values = WORDS.get(name) or [str(ids[name])]
        paths = [p.replace(re.search(rf"<(?:\w+:)?{name}>", p).group(0), value) for p in paths for value in values]  # type: ignore[union-attr]
    return paths


def test_the_walk_finds_the_doors_it_should() -> None:
    routes = {name for _, name in web_routes()}
    assert {
        "post-edit",
        "post-action",
        "target-retry",
        "automation-edit",
        "connections-disconnect",
        "invitation-withdraw",
        "post-decide",
        "post-comment",
        "import-detail",
        "import-create",
        "webhook",
        "webhook-redeliver",
        "snippet-edit",
        "hashtag-group-delete",
        "account-tagging",
        "posting-slot-remove",
        "queue-move-up",
    } <= routes


def test_a_member_of_another_workspace_opens_no_door(house: House, bob: User) -> None:
    """bob belongs to his own workspace only: every page naming alice's objects is a 404 to him, GET or POST."""
    client = Client()
    client.force_login(bob)
    before = snapshot()
    tried, open_doors = 0, []
    for route, _ in web_routes():
        if not re.search(r"<int:", route):
            continue  # a route that names no object (connecting a platform) acts in bob's own workspace
        for path in fill(route, house.ids):
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                tried += 1
                if response.status_code not in (404, 405):
                    open_doors.append(f"{method.upper()} {path}: {response.status_code}")
    assert tried > 60
    assert not open_doors, "\n".join(open_doors)
    assert snapshot() == before


def test_a_viewer_changes_nothing_through_any_form(house: House) -> None:
    """A viewer of alice's workspace may read its pages; every form they send is refused (403, or 404 for what is
    not theirs even to see, such as another person's notification) and nothing changes."""
    vera = make_user("vera", Tier.FREE)
    join(vera, workspace_of(User.objects.get(username="alice")), "viewer")
    client = Client()
    client.force_login(vera)
    session = client.session
    session["workspace_id"] = workspace_of(User.objects.get(username="alice")).pk
    session.save()
    before = snapshot()
    open_doors = []
    for route, _name in web_routes():
        for path in fill(route, house.ids):
            response = client.post(
                path, {"text": "x", "when": "2031-01-01T09:00", "name": "x", "email": "x@example.com"}
            )
            if response.status_code not in (403, 404, 405):
                open_doors.append(f"POST {path}: {response.status_code}")
    ids = house.ids
    # Forms that name their objects in the body rather than the address.
    for path, data in [
        ("/compose/", {"text": "x", "accounts": [ids["account_id"]], "action": "draft"}),
        ("/queue/bulk/", {"posts": [ids["post_id"]], "action": "delete"}),
        ("/workspace/", {"name": "Taken over"}),
        ("/workspace/members/", {"email": "x@example.com", "role": "viewer"}),
        ("/workspace/members/role/", {"user_id": ids["user_id"], "role": "viewer"}),
        ("/workspace/members/remove/", {"user_id": ids["user_id"]}),
        ("/workspace/members/hand-over/", {"user_id": ids["user_id"]}),
        ("/connections/mastodon/start/", {"instance": "mastodon.example"}),
        ("/imports/", {"file": SimpleUploadedFile("a.csv", b"text,accounts\nx,@alice1\n")}),
        ("/workspace/webhooks/", {"url": "https://x.example.org/", "event_types": ["post.failed"]}),
        ("/library/snippets/new/", {"snippet-name": "x", "snippet-text": "x"}),
        ("/library/hashtags/new/", {"group-name": "x", "group-hashtags": "#x"}),
        ("/settings/schedule/", {"days": "daily", "time": "10:00"}),
        ("/settings/schedule/", {"days": "daily", "time": "10:00", "account": ids["account_id"]}),
        ("/queue/slots/shuffle/", {}),
    ]:
        response = client.post(path, data)
        if response.status_code != 403:
            open_doors.append(f"POST {path} {data}: {response.status_code}")
    assert not open_doors, "\n".join(open_doors)
    assert snapshot() == before


def api_operations() -> list[tuple[str, str, str]]:
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path.removeprefix("/api/v1"), op["operationId"])
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


# A body each changing operation accepts, so the role check (not the body's validation) answers.
BODIES: dict[str, Any] = {
    "create_post": {"text": "x"},
    "update_post": {"text": "x"},
    "schedule_post": {"scheduled_at": "2031-01-01T09:00:00Z"},
    "reschedule_post": {"scheduled_at": "2031-01-01T09:00:00Z"},
    "retry_target": {},
    "mark_went_out": {},
    "add_comment": {"text": "x"},
    "approve": {},
    "request_changes": {"text": "x"},
    "reject": {},
    "generate": {"topic": "x", "platforms": ["mastodon"]},
    "rewrite": {"text": "x", "instruction": "shorter", "platform": "mastodon"},
    "shorten": {"text": "x", "platform": "mastodon"},
    "create_rule": {"name": "x", "schedule": "0 9 * * *", "brief": {"topic": "x"}, "account_ids": []},
    "update_rule": {"name": "x", "schedule": "0 9 * * *", "brief": {"topic": "x"}, "account_ids": []},
    "mark_notifications_read": {},
    "send_event": {"name": "credits/check.low", "data": {}},
    "create_api_token": {"name": "x", "scopes": ["posts:read"]},
    "change_member_role": {"role": "viewer"},
    "put_recurrence": {},
    "create_snippet": {"name": "x", "text": "x"},
    "update_snippet": {"name": "x", "text": "x"},
    "create_hashtag_group": {"name": "x", "hashtags": ["#x"]},
    "update_hashtag_group": {"name": "x", "hashtags": ["#x"]},
    "set_account_utm": {"enabled": False},
    "create_invitation": {"email": "x@example.com", "role": "viewer"},
    "create_endpoint": {"url": "https://x.example.org/", "event_types": ["post.failed"]},
    "update_endpoint": {"url": "https://x.example.org/", "event_types": ["post.failed"]},
    "put_slots": {"slots": [{"weekday": 0, "time": "10:00"}]},
}
# Changes that concern the person alone (their own notifications, their own tokens), which a viewer may make.
PERSONAL = {"mark_notifications_read", "create_api_token", "revoke_api_token", "remove_member"}


def body(operation: str, house: House) -> Any:
    """The operation's example body, with the house's account where one is named."""
    found = BODIES.get(operation)
    if isinstance(found, dict) and "account_ids" in found:
        return {**found, "account_ids": [house.ids["account_id"]]}
    return found


def api_path(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def test_a_member_of_another_workspace_reaches_none_of_its_objects_through_the_api(house: House, bob: User) -> None:
    stranger = Api(create_token(owner(bob), name="x", scopes=list(scopes_for(is_staff=False)))[1])
    before = snapshot()
    named = [op for op in api_operations() if "{" in op[1]]
    assert len(named) > 20
    open_doors = []
    for method, path, operation in named:
        response = stranger.send(method.lower(), api_path(path, house.ids), body(operation, house))
        if response.status_code != 404:
            open_doors.append(f"{method} {path}: {response.status_code} {response.content[:200]!r}")
    assert not open_doors, "\n".join(open_doors)
    assert snapshot() == before


def test_a_viewer_token_changes_nothing_through_the_api(house: House, bob: User) -> None:
    set_tier_limits(workspace_of(User.objects.get(username="alice")), overrides={"members": 10})
    viewer = join(bob, workspace_of(User.objects.get(username="alice")), "viewer")
    client = Api(create_token(viewer, name="x", scopes=list(scopes_for(is_staff=False)))[1])
    before = snapshot()
    open_doors = []
    for method, path, operation in api_operations():
        if method == "GET" or operation in PERSONAL or operation == "send_event":
            continue
        response = client.send(method.lower(), api_path(path, house.ids), body(operation, house))
        code = response.json()["error"]["code"] if response.status_code >= 400 else ""
        if response.status_code != 403 or code != "role_too_low":
            open_doors.append(f"{method} {path}: {response.status_code} {response.content[:200]!r}")
    assert not open_doors, "\n".join(open_doors)
    assert snapshot() == before
