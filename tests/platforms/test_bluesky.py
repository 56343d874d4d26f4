"""Bluesky over XRPC, checked request by request against the AT Protocol lexicons
(com.atproto.server.createSession/refreshSession, com.atproto.repo.createRecord/getRecord/uploadBlob,
app.bsky.feed.post, app.bsky.richtext.facet, app.bsky.embed.images)."""

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.platforms.atproto import DID, PDS, connect_bluesky, jwt, session, xrpc
from tidings.accounts.models import User
from tidings.platforms.base import (
    Content,
    OutcomeUnknown,
    PermanentError,
    Published,
    RateLimited,
    ReauthRequired,
    TransientError,
)
from tidings.platforms.connectors.bluesky import BlueskyConnector
from tidings.platforms.connectors.bluesky.records import facets, record_key
from tidings.platforms.media import MediaItem
from tidings.platforms.models import SocialAccount

pytestmark = pytest.mark.django_db
bluesky = BlueskyConnector()
KEY = "5f0c2a8e-0000-4000-8000-000000000001"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
CREATED = {"uri": f"at://{DID}/app.bsky.feed.post/{record_key(KEY, 0)}", "cid": "bafyreia1", "commit": {}}


def body(call: respx.models.Call) -> dict:
    return json.loads(call.request.content)


def created(rkey: str, cid: str) -> dict[str, str]:
    return {"uri": f"at://{DID}/app.bsky.feed.post/{rkey}", "cid": cid}


def not_found() -> httpx.Response:
    return httpx.Response(400, json={"error": "RecordNotFound", "message": "Could not locate record"})


# --- record keys and facets ---------------------------------------------------------------------------------


def test_record_keys_are_valid_tids_the_same_for_every_attempt_and_never_in_the_future() -> None:
    keys = [record_key(KEY, part) for part in range(3)]
    assert all(TID.match(key) for key in keys)
    assert keys == [record_key(KEY, part) for part in range(3)]
    assert len(set(keys)) == 3
    assert record_key("another", 0) not in keys
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    value = 0
    for char in keys[0]:
        value = value * 32 + alphabet.index(char)
    assert value >> 63 == 0
    assert datetime(2023, 1, 1, tzinfo=UTC) <= datetime.fromtimestamp((value >> 10) / 1e6, UTC) < datetime.now(UTC)


def test_facet_offsets_count_utf8_bytes_not_characters() -> None:
    text = "Hi 👋🏽 see https://example.com/a?b=1, #tidings and www.example.org #2024 #日本"
    found = facets(text)
    assert found == [
        {
            "index": {"byteStart": 16, "byteEnd": 41},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/a?b=1"}],
        },
        {
            "index": {"byteStart": 43, "byteEnd": 51},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "tidings"}],
        },
        {
            "index": {"byteStart": 56, "byteEnd": 71},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://www.example.org"}],
        },
        {
            "index": {"byteStart": 78, "byteEnd": 85},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "日本"}],
        },
    ]
    raw = text.encode()
    assert raw[16:41] == b"https://example.com/a?b=1"
    assert raw[43:51] == b"#tidings"
    assert raw[78:85].decode() == "#日本"


def test_a_hash_inside_a_link_is_not_a_hashtag() -> None:
    assert [f["features"][0]["$type"] for f in facets("see https://example.com/#section")] == [
        "app.bsky.richtext.facet#link"
    ]


# --- connecting ---------------------------------------------------------------------------------------------


@respx.mock
def test_connecting_creates_a_session_with_the_app_password() -> None:
    answer = session()
    route = respx.post("https://bsky.social/xrpc/com.atproto.server.createSession").respond(200, json=answer)
    identity, tokens = bluesky.connect_with_credentials(
        {"identifier": "@alice.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}
    )
    assert body(route.calls.last) == {"identifier": "alice.bsky.social", "password": "abcd-efgh-ijkl-mnop"}
    assert "Authorization" not in route.calls.last.request.headers
    assert (identity.external_id, identity.handle, identity.base_url) == (DID, "alice.bsky.social", PDS)
    assert (tokens.access_token, tokens.refresh_token) == (answer["accessJwt"], answer["refreshJwt"])
    assert tokens.expires_at is not None
    assert tokens.expires_at > datetime.now(UTC)


@respx.mock
def test_connecting_to_a_self_hosted_pds_uses_it() -> None:
    answer = session()
    del answer["didDoc"]
    respx.post("https://pds.me.example/xrpc/com.atproto.server.createSession").respond(200, json=answer)
    identity, _ = bluesky.connect_with_credentials(
        {"handle": "me.example", "app_password": "p", "service": "https://pds.me.example/"}
    )
    assert identity.base_url == "https://pds.me.example"


@respx.mock
def test_the_account_password_is_refused_in_favour_of_an_app_password() -> None:
    respx.post("https://bsky.social/xrpc/com.atproto.server.createSession").respond(
        200, json=session(access=jwt(scope="com.atproto.access"))
    )
    with pytest.raises(PermanentError, match="app password"):
        bluesky.connect_with_credentials({"identifier": "alice.bsky.social", "app_password": "hunter2"})


@respx.mock
def test_a_wrong_app_password_is_a_plain_refusal() -> None:
    respx.post("https://bsky.social/xrpc/com.atproto.server.createSession").respond(
        401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
    )
    with pytest.raises(PermanentError, match="did not accept"):
        bluesky.connect_with_credentials({"identifier": "alice.bsky.social", "app_password": "wrong"})


@pytest.mark.parametrize(
    "fields",
    [
        {"identifier": "", "app_password": "x"},
        {"identifier": "a", "app_password": ""},
        {"identifier": "a", "app_password": "x", "service": "http://pds.example"},
        {"identifier": "a", "app_password": "x", "service": "ftp://pds.example"},
        {"identifier": "a", "app_password": "x", "service": "http://localhost:2583"},
        {"identifier": "a", "app_password": "x", "service": "https://127.0.0.1"},
    ],
)
def test_missing_fields_and_insecure_servers_are_refused_before_any_request(fields: dict[str, str]) -> None:
    with respx.mock(assert_all_called=False) as mock, pytest.raises(PermanentError):
        bluesky.connect_with_credentials(fields)
    assert not mock.calls


# --- refreshing ---------------------------------------------------------------------------------------------


@respx.mock
def test_refreshing_sends_the_refresh_token(alice: User) -> None:
    account = connect_bluesky(alice)
    answer = session(access=jwt(exp=int(time.time()) + 3600, nonce="2"))
    route = respx.post(xrpc("com.atproto.server.refreshSession")).respond(200, json=answer)
    tokens = bluesky.refresh_credentials(account)
    assert route.calls.last.request.headers["Authorization"] == "Bearer refresh-1"
    assert route.calls.last.request.content == b""
    assert tokens.access_token == answer["accessJwt"]
    assert tokens.refresh_token == answer["refreshJwt"]


@pytest.mark.parametrize("error", ["ExpiredToken", "InvalidToken"])
@respx.mock
def test_a_refused_refresh_means_reconnecting(alice: User, error: str) -> None:
    respx.post(xrpc("com.atproto.server.refreshSession")).respond(400, json={"error": error, "message": "no"})
    with pytest.raises(ReauthRequired):
        bluesky.refresh_credentials(connect_bluesky(alice))


# --- publishing ---------------------------------------------------------------------------------------------


@respx.mock
def test_a_post_is_a_record_with_a_deterministic_key_and_facets(alice: User) -> None:
    account = connect_bluesky(alice)
    route = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    page = respx.get("https://example.com/a?b=1").respond(404)  # no preview: no card
    text = "Hi 👋🏽 see https://example.com/a?b=1, #tidings"
    published = bluesky.publish(account, Content(text=text), idempotency_key=KEY)
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer access-1"
    sent = json.loads(request.content)
    assert sent["repo"] == DID
    assert sent["collection"] == "app.bsky.feed.post"
    assert sent["rkey"] == record_key(KEY, 0)
    record = sent["record"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == text
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["createdAt"])
    assert [f["index"] for f in record["facets"]] == [
        {"byteStart": 16, "byteEnd": 41},
        {"byteStart": 43, "byteEnd": 51},
    ]
    assert "reply" not in record
    assert "embed" not in record
    assert page.call_count == 1
    assert published == Published(
        external_id=CREATED["uri"], url=f"https://bsky.app/profile/{DID}/post/{record_key(KEY, 0)}"
    )


@respx.mock
def test_the_link_is_added_to_the_text_when_it_is_not_there(alice: User) -> None:
    route = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    respx.get("https://ex.com/x").respond(200, text="<html><head></head></html>", headers={"content-type": "text/html"})
    bluesky.publish(connect_bluesky(alice), Content(text="Read this", link="https://ex.com/x"), idempotency_key=KEY)
    record = body(route.calls.last)["record"]
    assert record["text"] == "Read this\n\nhttps://ex.com/x"
    assert record["facets"][0]["index"] == {"byteStart": 11, "byteEnd": 27}


@respx.mock
def test_a_long_text_becomes_a_thread_of_replies_with_root_and_parent_refs(alice: User) -> None:
    keys = [record_key(KEY, part) for part in range(3)]
    answers = [created(keys[0], "cid0"), created(keys[1], "cid1"), created(keys[2], "cid2")]
    route = respx.post(xrpc("com.atproto.repo.createRecord")).mock(
        side_effect=[httpx.Response(200, json=answer) for answer in answers]
    )
    text = " ".join(f"Sentence number {n} is here." for n in range(1, 30))
    published = bluesky.publish(connect_bluesky(alice), Content(text=text), idempotency_key=KEY)
    sent = [body(call) for call in route.calls]
    assert [s["rkey"] for s in sent] == keys
    assert [s["record"]["text"][-4:] for s in sent] == [" 1/3", " 2/3", " 3/3"]
    assert "reply" not in sent[0]["record"]
    root = {"uri": answers[0]["uri"], "cid": "cid0"}
    assert sent[1]["record"]["reply"] == {"root": root, "parent": root}
    assert sent[2]["record"]["reply"] == {"root": root, "parent": {"uri": answers[1]["uri"], "cid": "cid1"}}
    assert published.external_id == answers[0]["uri"]


@respx.mock
def test_images_are_uploaded_as_blobs_and_embedded_with_alt_text(alice: User, settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    name = default_storage.save("uploads/cat.png", ContentFile(png))
    blob = {"$type": "blob", "ref": {"$link": "bafkreiblob"}, "mimeType": "image/png", "size": len(png)}
    upload = respx.post(xrpc("com.atproto.repo.uploadBlob")).respond(200, json={"blob": blob})
    create = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    image = MediaItem(name, "image", "image/png", len(png), width=640, height=480, alt_text="A cat")
    bluesky.publish(connect_bluesky(alice), Content(text="Cat", media=(image,)), idempotency_key=KEY)
    sent = upload.calls.last.request
    assert sent.content == png
    assert sent.headers["Content-Type"] == "image/png"
    assert sent.headers["Authorization"] == "Bearer access-1"
    assert body(create.calls.last)["record"]["embed"] == {
        "$type": "app.bsky.embed.images",
        "images": [{"image": blob, "alt": "A cat", "aspectRatio": {"width": 640, "height": 480}}],
    }


@respx.mock
def test_an_expired_token_is_refreshed_stored_and_the_post_retried_once(alice: User) -> None:
    account = connect_bluesky(alice)
    fresh = session(access=jwt(nonce="fresh"), refresh=jwt(scope="com.atproto.refresh", nonce="fresh-r"))
    refresh = respx.post(xrpc("com.atproto.server.refreshSession")).respond(200, json=fresh)
    create = respx.post(xrpc("com.atproto.repo.createRecord")).mock(
        side_effect=[
            httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"}),
            httpx.Response(200, json=CREATED),
        ]
    )
    published = bluesky.publish(account, Content(text="Hello"), idempotency_key=KEY)
    assert published.external_id == CREATED["uri"]
    assert refresh.calls.last.request.headers["Authorization"] == "Bearer refresh-1"
    assert create.calls[1].request.headers["Authorization"] == f"Bearer {fresh['accessJwt']}"
    stored = SocialAccount.objects.get(pk=account.pk)
    assert (stored.access_token, stored.refresh_token) == (fresh["accessJwt"], fresh["refreshJwt"])
    assert stored.token_expires_at is not None


@respx.mock
def test_an_expired_token_twice_means_reconnecting(alice: User) -> None:
    respx.post(xrpc("com.atproto.server.refreshSession")).respond(200, json=session())
    respx.post(xrpc("com.atproto.repo.createRecord")).respond(400, json={"error": "ExpiredToken", "message": "x"})
    with pytest.raises(ReauthRequired):
        bluesky.publish(connect_bluesky(alice), Content(text="Hello"), idempotency_key=KEY)


@respx.mock
def test_a_rate_limit_waits_until_the_reset(alice: User) -> None:
    reset = str(int(time.time()) + 120)
    respx.post(xrpc("com.atproto.repo.createRecord")).respond(
        429, json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, headers={"ratelimit-reset": reset}
    )
    with pytest.raises(RateLimited) as raised:
        bluesky.publish(connect_bluesky(alice), Content(text="Hello"), idempotency_key=KEY)
    assert 110 <= raised.value.retry_after <= 120


@pytest.mark.parametrize(
    ("status", "answer", "error", "message"),
    [
        (502, {"error": "UpstreamFailure", "message": "Upstream failed"}, TransientError, "Upstream failed"),
        (
            400,
            {"error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record: string too big"},
            PermanentError,
            "string too big",
        ),
        (401, {"error": "AuthenticationRequired", "message": "Invalid token"}, ReauthRequired, "Reconnect"),
        (400, {"error": "InvalidToken", "message": "Token could not be verified"}, ReauthRequired, "Reconnect"),
    ],
)
@respx.mock
def test_errors_are_classified_after_checking_that_the_record_is_not_there(
    alice: User, status: int, answer: dict, error: type[Exception], message: str
) -> None:
    respx.post(xrpc("com.atproto.repo.createRecord")).respond(status, json=answer)
    lookup = respx.get(xrpc("com.atproto.repo.getRecord")).mock(return_value=not_found())
    with pytest.raises(error, match=message):
        bluesky.publish(connect_bluesky(alice), Content(text="Hello"), idempotency_key=KEY)
    # Only a failure that could mean "the key is taken" is worth a look; an auth failure is not.
    assert lookup.called == (error in (TransientError, PermanentError))


@respx.mock
def test_a_key_already_taken_by_an_earlier_attempt_is_that_post(alice: User) -> None:
    # The reference PDS answers a create on a taken key with 500 InternalServerError (seen on @atproto/pds 0.4.217).
    respx.post(xrpc("com.atproto.repo.createRecord")).respond(
        500, json={"error": "InternalServerError", "message": "Internal Server Error"}
    )
    lookup = respx.get(xrpc("com.atproto.repo.getRecord")).respond(
        200, json={**CREATED, "value": {"$type": "app.bsky.feed.post", "text": "Hello"}}
    )
    published = bluesky.publish(connect_bluesky(alice), Content(text="Hello"), idempotency_key=KEY)
    assert published.external_id == CREATED["uri"]
    assert dict(lookup.calls.last.request.url.params) == {
        "repo": DID,
        "collection": "app.bsky.feed.post",
        "rkey": record_key(KEY, 0),
    }


@respx.mock
def test_no_answer_after_sending_is_an_unknown_outcome(alice: User) -> None:
    respx.post(xrpc("com.atproto.repo.createRecord")).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(OutcomeUnknown):
        bluesky.publish(connect_bluesky(alice), Content(text="Hello"), idempotency_key=KEY)


@respx.mock
def test_an_unreachable_pds_is_transient(alice: User) -> None:
    respx.post(xrpc("com.atproto.repo.createRecord")).mock(side_effect=httpx.ConnectError("refused"))
    respx.get(xrpc("com.atproto.repo.getRecord")).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransientError):
        bluesky.publish(connect_bluesky(alice), Content(text="Hello"), idempotency_key=KEY)


# --- finding a post sent earlier ----------------------------------------------------------------------------


def record_at(part: int, text: str) -> httpx.Response:
    return httpx.Response(200, json={**created(record_key(KEY, part), f"cid{part}"), "value": {"text": text}})


def test_capabilities_allow_checking_and_resending() -> None:
    assert bluesky.capabilities.can_find_published
    assert bluesky.capabilities.idempotent_publish


@respx.mock
def test_find_published_asks_for_the_record_at_the_keys_record_key(alice: User) -> None:
    account = connect_bluesky(alice)
    route = respx.get(xrpc("com.atproto.repo.getRecord"))
    route.side_effect = lambda request: (
        record_at(0, "Hello") if request.url.params["rkey"] == record_key(KEY, 0) else not_found()
    )
    found = bluesky.find_published(account, idempotency_key=KEY, content=Content(text="Hello"), sent_after=None)
    assert found == Published(
        external_id=f"at://{DID}/app.bsky.feed.post/{record_key(KEY, 0)}",
        url=f"https://bsky.app/profile/{DID}/post/{record_key(KEY, 0)}",
    )
    route.side_effect = lambda request: not_found()
    assert bluesky.find_published(account, idempotency_key=KEY, content=Content(text="Hello"), sent_after=None) is None


@respx.mock
def test_a_thread_cut_short_is_not_published_yet_and_publishing_completes_it(alice: User) -> None:
    account = connect_bluesky(alice)
    parts = {record_key(KEY, 0): record_at(0, "First half of it 1/2")}

    def get_record(request: httpx.Request) -> httpx.Response:
        return parts.get(request.url.params["rkey"], not_found())

    respx.get(xrpc("com.atproto.repo.getRecord")).mock(side_effect=get_record)
    assert bluesky.find_published(account, idempotency_key=KEY, content=Content(text="Hello"), sent_after=None) is None
    parts[record_key(KEY, 1)] = record_at(1, "Second half 2/2")
    assert (
        bluesky.find_published(account, idempotency_key=KEY, content=Content(text="Hello"), sent_after=None) is not None
    )


# --- validation ---------------------------------------------------------------------------------------------


def image(size: int, kind: str = "image", mime: str = "image/jpeg") -> MediaItem:
    return MediaItem(f"uploads/{size}.jpg", kind, mime, size)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (Content(text="Fine"), None),
        (Content(text="word " * 400), None),  # a thread
        (Content(text="", media=(image(1000),)), None),
        (Content(text="  "), "empty"),
        # Larger images are scaled down to the blob limit when sent; past the upload limit they are refused.
        (Content(text="Big", media=(image(1_000_001),)), None),
        (Content(text="Huge", media=(image(21 * 1024 * 1024),)), "up to 20 MB"),
        (Content(text="Many", media=tuple(image(10) for _ in range(5))), "at most 4"),
        (Content(text="Film", media=(image(10, "video", "video/mp4"),)), None),
        (Content(text="Film", media=(image(10, "video", "video/quicktime"),)), "does not take video/quicktime"),
        (Content(text="Two", media=(image(10, "video", "video/mp4"),) * 2), "at most 1 video"),
        (Content(text="Mixed", media=(image(10, "video", "video/mp4"), image(10))), "does not mix"),
    ],
)
def test_validation(alice: User, content: Content, problem: str | None) -> None:
    problems = bluesky.validate(connect_bluesky(alice), content)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


@respx.mock
def test_the_posts_languages_are_the_records_langs_on_every_part(alice: User) -> None:
    keys = [record_key(KEY, part) for part in range(3)]
    route = respx.post(xrpc("com.atproto.repo.createRecord")).mock(
        side_effect=[httpx.Response(200, json=created(key, f"cid{n}")) for n, key in enumerate(keys)]
    )
    text = " ".join(f"Sentence number {n} is here." for n in range(1, 30))
    post = Content(text=text, options={"langs": ["en", "pt-BR"]})
    bluesky.publish(connect_bluesky(alice), post, idempotency_key=KEY)
    assert [body(call)["record"]["langs"] for call in route.calls] == [["en", "pt-BR"]] * 3


@respx.mock
def test_no_languages_chosen_leaves_langs_out(alice: User) -> None:
    route = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    bluesky.publish(connect_bluesky(alice), Content(text="Hi"), idempotency_key=KEY)
    assert "langs" not in body(route.calls.last)["record"]
