"""Mastodon, checked request by request against https://docs.joinmastodon.org/methods/ (apps, oauth, accounts,
statuses, media) and https://docs.joinmastodon.org/spec/oauth/ (PKCE since 4.3)."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.support.waits import HAND_BACK, QUICK
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import (
    Content,
    OutcomeUnknown,
    PermanentError,
    Published,
    RateLimited,
    ReauthRequired,
    StillProcessing,
    TransientError,
)
from tidings.platforms.connectors.mastodon import MastodonConnector
from tidings.platforms.connectors.mastodon.api import instance_url
from tidings.platforms.media import MediaItem
from tidings.platforms.models import MastodonApp, Platform, SocialAccount
from tidings.platforms.rules import split_into_thread
from tidings.platforms.services import connect_account

pytestmark = pytest.mark.django_db
mastodon = MastodonConnector()
BASE = "https://mastodon.example"
REDIRECT = "http://127.0.0.1:8000/connections/mastodon/callback/"
KEY = "0b6f6bd4-8a55-4c6e-9d1b-6f1f0f6f6f6f"
# Limits read from the server a moment ago (it stated none: Mastodon's defaults), so publishing asks no more.
FRESH = {"instance": {"fetched_at": datetime.now(UTC).isoformat()}}
ME = {"id": "109", "username": "alice", "acct": "alice", "display_name": "Alice A.", "url": f"{BASE}/@alice"}


def status(status_id: str) -> dict[str, str]:
    return {"id": status_id, "uri": f"{BASE}/users/alice/statuses/{status_id}", "url": f"{BASE}/@alice/{status_id}"}


def connect(user: User) -> SocialAccount:
    return connect_account(
        owner(user),
        platform=Platform.MASTODON,
        external_id="109@mastodon.example",
        handle="@alice@mastodon.example",
        access_token="token-1",
        base_url=BASE,
        options=FRESH,
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("mastodon.example", BASE),
        ("https://Mastodon.Example/", BASE),
        ("@alice@mastodon.example", BASE),
    ],
)
def test_the_server_address_is_normalised(given: str, expected: str) -> None:
    assert instance_url(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "http://mastodon.example",
        "https://mastodon.example/path",
        "not a host!",
        "",
        "http://localhost:3000",
        "127.0.0.1",
    ],
)
def test_unsafe_or_odd_server_addresses_are_refused(given: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIDINGS_ALLOW_LOCAL_SERVERS", raising=False)
    with pytest.raises(PermanentError):
        instance_url(given)


def test_a_local_development_server_is_allowed_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")
    assert instance_url("http://localhost:3000") == "http://localhost:3000"


@respx.mock
def test_connecting_registers_an_app_once_and_asks_for_pkce() -> None:
    apps = respx.post(f"{BASE}/api/v1/apps").respond(
        200, json={"id": "1", "name": "Tidings", "client_id": "cid", "client_secret": "csecret"}
    )
    first = mastodon.start_connect(redirect_uri=REDIRECT, instance="mastodon.example")
    assert json.loads(apps.calls.last.request.content) == {
        "client_name": "Tidings",
        "redirect_uris": REDIRECT,
        "scopes": "read:accounts read:statuses write:statuses write:media",
        "website": "http://127.0.0.1:8000",
    }
    stored = MastodonApp.objects.get(instance=BASE)
    assert (stored.client_id, stored.client_secret, stored.redirect_uri) == ("cid", "csecret", REDIRECT)
    url = urlsplit(first.url)
    params = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{BASE}/oauth/authorize"
    assert params["client_id"] == "cid"
    assert params["redirect_uri"] == REDIRECT
    assert params["scope"] == "read:accounts read:statuses write:statuses write:media"
    assert params["state"] == first.state
    assert params["code_challenge_method"] == "S256"
    assert first.session_data["instance"] == BASE
    assert first.session_data["code_verifier"]
    # A second sign-in on the same server reuses the app.
    mastodon.start_connect(redirect_uri=REDIRECT, instance="@bob@mastodon.example")
    assert apps.call_count == 1


@respx.mock
def test_a_server_that_is_not_mastodon_is_refused() -> None:
    respx.post(f"{BASE}/api/v1/apps").respond(404, text="<html>Not here</html>")
    with pytest.raises(PermanentError, match="Mastodon server"):
        mastodon.start_connect(redirect_uri=REDIRECT, instance=BASE)
    assert not MastodonApp.objects.exists()


@respx.mock
def test_finishing_exchanges_the_code_with_the_verifier_and_reads_who_signed_in() -> None:
    MastodonApp.objects.create(
        instance=BASE, client_id="cid", client_secret="csecret", redirect_uri=REDIRECT, scopes="x"
    )
    token = respx.post(f"{BASE}/oauth/token").respond(
        200, json={"access_token": "tok", "token_type": "Bearer", "scope": "read:accounts", "created_at": 1}
    )
    me = respx.get(f"{BASE}/api/v1/accounts/verify_credentials").respond(200, json=ME)
    respx.get(f"{BASE}/api/v2/instance").respond(503)
    respx.get(f"{BASE}/api/v1/instance").respond(503)
    identity, tokens = mastodon.finish_connect(
        code="the-code", redirect_uri=REDIRECT, session_data={"instance": BASE, "code_verifier": "v" * 64}
    )
    assert {key: values[0] for key, values in parse_qs(token.calls.last.request.content.decode()).items()} == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": REDIRECT,
        "code_verifier": "v" * 64,
        "client_id": "cid",
        "client_secret": "csecret",
    }
    assert me.calls.last.request.headers["Authorization"] == "Bearer tok"
    assert identity.external_id == "109@mastodon.example"
    assert (identity.handle, identity.display_name, identity.base_url) == ("@alice@mastodon.example", "Alice A.", BASE)
    assert (tokens.access_token, tokens.refresh_token, tokens.expires_at) == ("tok", "", None)
    # The server did not say its limits: none kept, so the first publish reads them again.
    assert identity.options == {}


def test_finishing_for_an_unknown_server_is_refused() -> None:
    with pytest.raises(PermanentError):
        mastodon.finish_connect(code="c", redirect_uri=REDIRECT, session_data={"instance": "https://nowhere.example"})


@respx.mock
def test_a_status_carries_the_idempotency_key(alice: User) -> None:
    route = respx.post(f"{BASE}/api/v1/statuses").respond(200, json=status("1"))
    published = mastodon.publish(connect(alice), Content(text="Hello #fediverse"), idempotency_key=KEY)
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer token-1"
    assert request.headers["Idempotency-Key"] == KEY
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"status": "Hello #fediverse"}
    assert published == Published(external_id="1", url=f"{BASE}/@alice/1")
    assert mastodon.capabilities.idempotent_publish
    assert mastodon.capabilities.can_find_published


@respx.mock
def test_a_long_text_is_a_thread_of_replies_each_with_its_own_key(alice: User) -> None:
    route = respx.post(f"{BASE}/api/v1/statuses").mock(
        side_effect=[httpx.Response(200, json=status(str(n))) for n in (10, 11)]
    )
    text = " ".join(f"Sentence number {n} is right here." for n in range(1, 21))
    published = mastodon.publish(connect(alice), Content(text=text), idempotency_key=KEY)
    sent = [json.loads(call.request.content) for call in route.calls]
    assert [call.request.headers["Idempotency-Key"] for call in route.calls] == [KEY, f"{KEY}-1"]
    assert "in_reply_to_id" not in sent[0]
    assert sent[1]["in_reply_to_id"] == "10"
    assert sent[0]["status"].endswith(" 1/2")
    assert sent[1]["status"].endswith(" 2/2")
    assert published.external_id == "10"


@respx.mock
def test_media_is_uploaded_waited_for_and_attached_to_the_first_status(
    alice: User, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(MastodonConnector, "patience", QUICK)
    name = default_storage.save("uploads/clip.mp4", ContentFile(b"video-bytes"))
    upload = respx.post(f"{BASE}/api/v2/media").respond(202, json={"id": "m1", "type": "video", "url": None})
    poll = respx.get(f"{BASE}/api/v1/media/m1").mock(
        side_effect=[httpx.Response(206, json={"id": "m1"}), httpx.Response(200, json={"id": "m1", "url": "u"})]
    )
    post = respx.post(f"{BASE}/api/v1/statuses").respond(200, json=status("1"))
    clip = MediaItem(name, "video", "video/mp4", 11, alt_text="A clip")
    mastodon.publish(connect(alice), Content(text="Watch", media=(clip,)), idempotency_key=KEY)
    sent = upload.calls.last.request
    assert sent.headers["Authorization"] == "Bearer token-1"
    assert sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="clip.mp4"' in sent.content
    assert b"video-bytes" in sent.content
    assert b'name="description"\r\n\r\nA clip' in sent.content
    assert poll.call_count == 2
    assert json.loads(post.calls.last.request.content) == {"status": "Watch", "media_ids": ["m1"]}


@respx.mock
def test_media_still_processing_hands_the_wait_back_and_resumes_without_uploading_again(
    alice: User, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(MastodonConnector, "patience", HAND_BACK)
    name = default_storage.save("uploads/big.mp4", ContentFile(b"v"))
    upload = respx.post(f"{BASE}/api/v2/media").respond(202, json={"id": "m1"})
    poll = respx.get(f"{BASE}/api/v1/media/m1").mock(
        side_effect=[httpx.Response(206, json={"id": "m1"}), httpx.Response(200, json={"id": "m1", "url": "u"})]
    )
    statuses = respx.post(f"{BASE}/api/v1/statuses").respond(200, json=status("2"))
    account = connect(alice)
    big = Content(text="x", media=(MediaItem(name, "video", "video/mp4", 1),))

    with pytest.raises(StillProcessing) as waiting:
        mastodon.publish(account, big, idempotency_key=KEY)
    assert (waiting.value.progress["media_ids"], waiting.value.progress["pending"]) == ([["m1"]], ["m1"])
    assert not statuses.called
    mastodon.publish(account, replace(big, progress=waiting.value.progress), idempotency_key=KEY)

    assert (upload.call_count, poll.call_count, statuses.call_count) == (1, 2, 1)
    assert json.loads(statuses.calls.last.request.content) == {"status": "x", "media_ids": ["m1"]}


@pytest.mark.parametrize(
    ("status_code", "answer", "error", "message"),
    [
        (401, {"error": "The access token is invalid"}, ReauthRequired, "access token is invalid"),
        (422, {"error": "Validation failed: Text character limit of 500 exceeded"}, PermanentError, "500 exceeded"),
        (503, {"error": "Service Unavailable"}, TransientError, "Unavailable"),
    ],
)
@respx.mock
def test_errors_are_classified(
    alice: User, status_code: int, answer: dict, error: type[Exception], message: str
) -> None:
    respx.post(f"{BASE}/api/v1/statuses").respond(status_code, json=answer)
    with pytest.raises(error, match=message):
        mastodon.publish(connect(alice), Content(text="Hello"), idempotency_key=KEY)


@respx.mock
def test_a_rate_limit_waits_until_x_ratelimit_reset(alice: User) -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=300)).isoformat().replace("+00:00", "Z")
    respx.post(f"{BASE}/api/v1/statuses").respond(
        429, json={"error": "Too many requests"}, headers={"X-RateLimit-Reset": reset}
    )
    with pytest.raises(RateLimited) as raised:
        mastodon.publish(connect(alice), Content(text="Hello"), idempotency_key=KEY)
    assert 290 <= raised.value.retry_after <= 300


@respx.mock
def test_no_answer_after_sending_is_unknown_and_the_same_key_makes_a_resend_safe(alice: User) -> None:
    route = respx.post(f"{BASE}/api/v1/statuses").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json=status("1"))]
    )
    account = connect(alice)
    with pytest.raises(OutcomeUnknown):
        mastodon.publish(account, Content(text="Hello"), idempotency_key=KEY)
    mastodon.publish(account, Content(text="Hello"), idempotency_key=KEY)
    assert [call.request.headers["Idempotency-Key"] for call in route.calls] == [KEY, KEY]


@respx.mock
def test_tokens_do_not_expire_but_a_revoked_one_needs_reconnecting(alice: User) -> None:
    account = connect(alice)
    route = respx.get(f"{BASE}/api/v1/accounts/verify_credentials").respond(200, json=ME)
    assert mastodon.refresh_credentials(account).access_token == "token-1"
    assert route.calls.last.request.headers["Authorization"] == "Bearer token-1"
    route.respond(401, json={"error": "The access token was revoked"})
    with pytest.raises(ReauthRequired, match="revoked"):
        mastodon.refresh_credentials(account)


def test_validation_counts_urls_as_23_and_checks_media(alice: User) -> None:
    account = connect(alice)
    url = "https://example.com/" + "x" * 600
    assert mastodon.validate(account, Content(text=f"Look {url}")) == []
    big = MediaItem("uploads/big.png", "image", "image/png", 17 * 1024 * 1024)
    assert any("16 MB" in p for p in mastodon.validate(account, Content(text="Hi", media=(big,))))
    mixed = (MediaItem("a.png", "image", "image/png", 10), MediaItem("b.mp4", "video", "video/mp4", 10))
    assert any("mix" in p for p in mastodon.validate(account, Content(text="Hi", media=mixed)))
    assert mastodon.validate(account, Content(text="", media=(MediaItem("a.png", "image", "image/png", 10),))) == []


# --- finding statuses whose send got no answer ------------------------------------------------------------------
# GET /api/v1/accounts/:id/statuses (https://docs.joinmastodon.org/methods/accounts/#statuses): an array of Status
# (https://docs.joinmastodon.org/entities/Status/), `content` as HTML, newest first; older pages through the `Link`
# header's rel="next" (https://docs.joinmastodon.org/api/guidelines/#pagination).

STATUSES = f"{BASE}/api/v1/accounts/109/statuses"
READS = "read:accounts read:statuses write:statuses write:media"


def reader(user: User, scopes: str = READS) -> SocialAccount:
    return connect_account(
        owner(user),
        platform=Platform.MASTODON,
        external_id="109@mastodon.example",
        handle="@alice@mastodon.example",
        access_token="token-1",
        base_url=BASE,
        scopes=scopes,
        options=FRESH,
    )


def listed(
    status_id: str, html: str, sent: datetime, *, minutes: float = 1, media: int = 0, reply_to: str | None = None
) -> dict[str, object]:
    return {
        **status(status_id),
        "created_at": (sent + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z"),
        "content": html,
        "in_reply_to_id": reply_to,
        "media_attachments": [{"id": f"m{n}", "type": "image"} for n in range(media)],
        "reblog": None,
    }


LINKED = (
    '<p>Fresh bread &amp; butter today <a href="https://bakery.example/menu/today" rel="nofollow noopener" '
    'translate="no" target="_blank"><span class="invisible">https://</span><span class="ellipsis">bakery.example/'
    'menu</span><span class="invisible">/today</span></a></p><p>cc <span class="h-card" translate="no"><a '
    'href="https://other.example/@bob" class="u-url mention">@<span>bob</span></a></span></p>'
)
BREAD = Content(text="Fresh bread & butter today https://bakery.example/menu/today\n\ncc @bob@other.example")


def look(account: SocialAccount, content: Content, sent: datetime) -> Published | None:
    return mastodon.find_published(account, idempotency_key=KEY, content=content, sent_after=sent)


@respx.mock
def test_find_published_reads_the_html_of_the_accounts_statuses_since_the_send(alice: User) -> None:
    sent = datetime.now(UTC) - timedelta(hours=2)  # past the hour the server keeps idempotency keys
    route = respx.get(STATUSES).respond(
        200, json=[listed("21", "<p>Another thing</p>", sent, minutes=3), listed("20", LINKED, sent)]
    )
    assert look(reader(alice), BREAD, sent) == Published("20", f"{BASE}/@alice/20")
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer token-1"
    assert dict(request.url.params) == {"limit": "40", "exclude_reblogs": "true"}


@respx.mock
def test_find_published_answers_none_when_no_status_matches(alice: User) -> None:
    sent = datetime.now(UTC) - timedelta(hours=2)
    respx.get(STATUSES).respond(200, json=[listed("21", "<p>Fresh bread today</p>", sent)])
    assert look(reader(alice), BREAD, sent) is None


@respx.mock
def test_an_older_status_with_the_same_text_is_not_taken_for_it(alice: User) -> None:
    sent = datetime.now(UTC) - timedelta(hours=2)
    respx.get(STATUSES).respond(200, json=[listed("19", LINKED, sent, minutes=-30)])
    assert look(reader(alice), BREAD, sent) is None


@respx.mock
def test_older_pages_are_read_until_they_reach_back_past_the_send(alice: User) -> None:
    sent = datetime.now(UTC) - timedelta(hours=2)
    pages = {
        "": httpx.Response(
            200,
            json=[listed("30", "<p>Newer</p>", sent, minutes=20)],
            headers={"Link": f'<{STATUSES}?max_id=30>; rel="next", <{STATUSES}?min_id=30>; rel="prev"'},
        ),
        "30": httpx.Response(
            200,
            json=[listed("20", LINKED, sent, minutes=0.5), listed("12", "<p>Old</p>", sent, minutes=-60)],
            headers={"Link": f'<{STATUSES}?max_id=12>; rel="next"'},
        ),
    }
    route = respx.get(STATUSES).mock(side_effect=lambda request: pages[request.url.params.get("max_id", "")])
    assert look(reader(alice), BREAD, sent) == Published("20", f"{BASE}/@alice/20")
    # The second page reached back past the send: no third page is asked for.
    assert [call.request.url.params.get("max_id") for call in route.calls] == [None, "30"]


@respx.mock
def test_a_thread_cut_short_is_completed_by_the_keys_within_the_hour_and_left_to_the_user_after(
    alice: User,
) -> None:
    text = " ".join(f"Sentence number {n} is right here." for n in range(1, 21))
    first = split_into_thread(Platform.MASTODON, text)[0]
    account = reader(alice)
    for sent, expected in (
        (datetime.now(UTC) - timedelta(minutes=10), None),
        (datetime.now(UTC) - timedelta(hours=2), OutcomeUnknown),
    ):
        respx.get(STATUSES).respond(200, json=[listed("40", f"<p>{first}</p>", sent)])
        if expected is None:
            assert look(account, Content(text=text), sent) is None
        else:
            with pytest.raises(OutcomeUnknown, match="1 of 2 posts of the thread are on Mastodon"):
                look(account, Content(text=text), sent)


@respx.mock
def test_a_whole_thread_is_found_by_its_chain_of_replies(alice: User) -> None:
    text = " ".join(f"Sentence number {n} is right here." for n in range(1, 21))
    first, second = split_into_thread(Platform.MASTODON, text)
    sent = datetime.now(UTC) - timedelta(hours=2)
    respx.get(STATUSES).respond(
        200,
        json=[
            listed("41", f"<p>{second}</p>", sent, minutes=2, reply_to="40"),
            listed("40", f"<p>{first}</p>", sent),
        ],
    )
    assert look(reader(alice), Content(text=text), sent) == Published("40", f"{BASE}/@alice/40")


@respx.mock
def test_an_account_connected_without_read_access_relies_on_the_keys_while_they_last(alice: User) -> None:
    account = reader(alice, scopes="read:accounts write:statuses write:media")
    route = respx.get(STATUSES).respond(200, json=[])
    assert look(account, BREAD, datetime.now(UTC) - timedelta(minutes=5)) is None
    with pytest.raises(OutcomeUnknown, match="reconnect the account"):
        look(account, BREAD, datetime.now(UTC) - timedelta(hours=2))
    assert not route.called


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(429, json={"error": "Too many requests"}), RateLimited),
        (httpx.Response(401, json={"error": "The access token is invalid"}), ReauthRequired),
        (httpx.Response(503, json={"error": "There was a temporary problem serving your request"}), TransientError),
    ],
)
@respx.mock
def test_a_failed_lookup_is_classified(alice: User, answer: httpx.Response, error: type) -> None:
    respx.get(STATUSES).mock(return_value=answer)
    with pytest.raises(error):
        look(reader(alice), BREAD, datetime.now(UTC) - timedelta(hours=2))


@respx.mock
def test_visibility_content_warning_and_language_go_on_every_status(alice: User) -> None:
    route = respx.post(f"{BASE}/api/v1/statuses").mock(
        side_effect=[httpx.Response(200, json=status(str(n))) for n in (10, 11)]
    )
    text = " ".join(f"Sentence number {n} is right here." for n in range(1, 21))
    options = {"visibility": "unlisted", "spoiler_text": "Spoilers", "language": "de"}
    mastodon.publish(connect(alice), Content(text=text, options=options), idempotency_key=KEY)
    sent = [json.loads(call.request.content) for call in route.calls]
    assert [{k: s[k] for k in ("visibility", "spoiler_text", "language")} for s in sent] == [options, options]


@respx.mock
def test_a_blank_visibility_is_the_accounts_default(alice: User) -> None:
    route = respx.post(f"{BASE}/api/v1/statuses").respond(200, json=status("1"))
    mastodon.publish(connect(alice), Content(text="Hi", options={"visibility": None}), idempotency_key=KEY)
    assert json.loads(route.calls.last.request.content) == {"status": "Hi"}


def test_a_content_warning_counts_with_the_text(alice: User) -> None:
    account = connect(alice)
    fits = Content(text="x" * 480, options={"spoiler_text": "y" * 20})
    assert mastodon.validate(account, fits) == []
    over = Content(text="x" * 481, options={"spoiler_text": "y" * 20})
    assert mastodon.validate(account, over) == [
        "With its content warning, each Mastodon post holds 480 characters; shorten the text or the warning."
    ]
