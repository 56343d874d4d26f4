"""Bluesky rich content against the lexicons: mention facets (com.atproto.identity.resolveHandle,
app.bsky.richtext.facet#mention), link cards (app.bsky.embed.external from the page's Open Graph tags), images
scaled down to the blob limit (app.bsky.embed.images, maxSize 1,000,000) and video (app.bsky.embed.video)."""

import io
import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from tests.platforms.atproto import DID, connect_bluesky, xrpc
from tidings.accounts.models import User
from tidings.platforms.base import Content, TransientError
from tidings.platforms.connectors.bluesky import BlueskyConnector
from tidings.platforms.connectors.bluesky.blobs import MAX_IMAGE_BYTES, fit_image
from tidings.platforms.connectors.bluesky.records import record_key
from tidings.platforms.connectors.bluesky.richtext import facets
from tidings.platforms.media import MediaItem

pytestmark = pytest.mark.django_db
bluesky = BlueskyConnector()
KEY = "0b7d3c1e-0000-4000-8000-00000000000a"
CREATED = {"uri": f"at://{DID}/app.bsky.feed.post/{record_key(KEY, 0)}", "cid": "bafyreia1", "commit": {}}
BOB = "did:plc:bobbobbobbobbobbobbobbob"
PAGE = """<!doctype html><html><head><title>Ignored when og:title is there</title>
<meta property="og:title" content="Spring menu &amp; prices">
<meta property="og:description" content="Twelve new dishes.">
<meta property="og:image" content="/img/cover.jpg">
</head><body>...</body></html>"""


def blob(link: str, mime: str, size: int) -> dict[str, Any]:
    return {"$type": "blob", "ref": {"$link": link}, "mimeType": mime, "size": size}


def record(route: respx.Route) -> dict[str, Any]:
    return json.loads(route.calls.last.request.content)["record"]


def noise(width: int, height: int, mode: str = "RGB", fmt: str = "JPEG") -> bytes:
    """A picture that compresses badly, as photographs do: random pixels."""
    rng = random.Random(7)
    image = Image.frombytes(mode, (width, height), rng.randbytes(width * height * len(mode)))
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return out.getvalue()


def resolve(handles: dict[str, str]) -> respx.Route:
    """resolveHandle as a PDS answers it: the DID, or 400 for a handle no one has."""

    def answer(request: httpx.Request) -> httpx.Response:
        did = handles.get(request.url.params["handle"])
        if did:
            return httpx.Response(200, json={"did": did})
        return httpx.Response(400, json={"error": "InvalidRequest", "message": "Unable to resolve handle"})

    return respx.get(xrpc("com.atproto.identity.resolveHandle")).mock(side_effect=answer)


# --- mentions -----------------------------------------------------------------------------------------------


@respx.mock
def test_mentions_are_facets_with_the_did_at_utf8_byte_offsets_and_unknown_handles_stay_text(alice: User) -> None:
    lookups = resolve({"bob.test": BOB})
    create = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    text = "Hi 👋🏽 @Bob.test and @nobody.test, thanks @bob.test! #menu"
    bluesky.publish(connect_bluesky(alice), Content(text=text), idempotency_key=KEY)
    sent = record(create)
    assert sent["text"] == text
    assert sent["facets"] == [
        {
            "index": {"byteStart": 12, "byteEnd": 21},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": BOB}],
        },
        {
            "index": {"byteStart": 47, "byteEnd": 56},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": BOB}],
        },
        {
            "index": {"byteStart": 58, "byteEnd": 63},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "menu"}],
        },
    ]
    raw = text.encode()
    assert (raw[12:21], raw[47:56], raw[58:63]) == (b"@Bob.test", b"@bob.test", b"#menu")
    # Each handle asked once, in lower case; the unknown one left as plain text.
    assert [call.request.url.params["handle"] for call in lookups.calls] == ["bob.test", "nobody.test"]


@respx.mock
def test_e_mail_addresses_and_handles_inside_links_are_not_mentions() -> None:
    lookups = resolve({"bob.test": BOB})
    found = facets("https://pds.example", "Mail me@bob.test or see https://bsky.app/profile/@bob.test")
    assert [f["features"][0]["$type"] for f in found] == ["app.bsky.richtext.facet#link"]
    assert lookups.call_count == 0


@respx.mock
def test_a_failed_handle_lookup_is_retried_later_and_nothing_is_posted(alice: User) -> None:
    respx.get(xrpc("com.atproto.identity.resolveHandle")).respond(502, json={"error": "UpstreamFailure"})
    create = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    with pytest.raises(TransientError):
        bluesky.publish(connect_bluesky(alice), Content(text="Thanks @bob.test"), idempotency_key=KEY)
    assert create.call_count == 0


# --- link cards ---------------------------------------------------------------------------------------------


@respx.mock
def test_a_link_card_from_the_pages_open_graph_tags_with_its_image_scaled_to_the_blob_limit(alice: User) -> None:
    cover = noise(1600, 1000)
    assert len(cover) > MAX_IMAGE_BYTES
    respx.get("https://bistro.example/menu").respond(301, headers={"location": "https://www.bistro.example/menu"})
    respx.get("https://www.bistro.example/menu").respond(200, text=PAGE, headers={"content-type": "text/html"})
    respx.get("https://www.bistro.example/img/cover.jpg").respond(
        200, content=cover, headers={"content-type": "image/jpeg"}
    )
    thumb = blob("bafkreithumb", "image/jpeg", 900_000)
    upload = respx.post(xrpc("com.atproto.repo.uploadBlob")).respond(200, json={"blob": thumb})
    create = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    content = Content(text="New menu today", link="https://bistro.example/menu")
    bluesky.publish(connect_bluesky(alice), content, idempotency_key=KEY)
    assert record(create)["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": "https://bistro.example/menu",
            "title": "Spring menu & prices",
            "description": "Twelve new dishes.",
            "thumb": thumb,
        },
    }
    sent = upload.calls.last.request
    assert sent.headers["Content-Type"] == "image/jpeg"
    assert len(sent.content) <= MAX_IMAGE_BYTES
    with Image.open(io.BytesIO(sent.content)) as scaled:
        assert scaled.format == "JPEG"
        assert scaled.width < 1600
        assert abs(scaled.width / scaled.height - 1.6) < 0.01


@respx.mock
def test_a_page_with_only_a_title_gets_a_card_without_a_thumbnail(alice: User) -> None:
    respx.get("https://example.com/a").respond(
        200, text="<title> Plain page </title>", headers={"content-type": "text/html; charset=utf-8"}
    )
    upload = respx.post(xrpc("com.atproto.repo.uploadBlob")).respond(200, json={"blob": {}})
    create = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    bluesky.publish(connect_bluesky(alice), Content(text="See https://example.com/a"), idempotency_key=KEY)
    assert record(create)["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {"uri": "https://example.com/a", "title": "Plain page", "description": ""},
    }
    assert upload.call_count == 0


@respx.mock
def test_a_page_in_its_own_charset_is_read_in_it(alice: User) -> None:
    html = '<meta name="description" content="Caf\xe9 cr\xe8me"><title>Caf\xe9</title>'.encode("latin-1")
    respx.get("https://example.com/a").respond(
        200, content=html, headers={"content-type": "text/html; charset=ISO-8859-1"}
    )
    create = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    bluesky.publish(connect_bluesky(alice), Content(text="See https://example.com/a"), idempotency_key=KEY)
    assert record(create)["embed"]["external"] == {
        "uri": "https://example.com/a",
        "title": "Café",
        "description": "Café crème",
    }


@pytest.mark.parametrize(
    "page",
    [
        httpx.Response(404),
        httpx.Response(200, content=b"%PDF-1.7", headers={"content-type": "application/pdf"}),
        httpx.Response(200, text="<title>x</title>" + " " * 600_000, headers={"content-type": "text/html"}),
        httpx.Response(302, headers={"location": "file:///etc/passwd"}),
    ],
    ids=["missing", "not-html", "too-large", "odd-redirect"],
)
@respx.mock
def test_a_page_without_a_preview_gives_no_card_and_the_post_goes_out(alice: User, page: httpx.Response) -> None:
    respx.get("https://example.com/a").mock(return_value=page)
    create = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    bluesky.publish(connect_bluesky(alice), Content(text="See https://example.com/a"), idempotency_key=KEY)
    sent = record(create)
    assert "embed" not in sent
    assert sent["facets"][0]["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/a"}]


@respx.mock
def test_a_post_with_images_gets_no_card(alice: User, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    small = noise(30, 20)
    name = default_storage.save("uploads/dish.jpg", ContentFile(small))
    page = respx.get("https://example.com/a").respond(200, text=PAGE, headers={"content-type": "text/html"})
    image_blob = blob("bafkreiimg", "image/jpeg", len(small))
    upload = respx.post(xrpc("com.atproto.repo.uploadBlob")).respond(200, json={"blob": image_blob})
    create = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    media = (MediaItem(name, "image", "image/jpeg", len(small), width=30, height=20, alt_text="A dish"),)
    bluesky.publish(connect_bluesky(alice), Content(text="https://example.com/a", media=media), idempotency_key=KEY)
    assert record(create)["embed"]["$type"] == "app.bsky.embed.images"
    assert upload.calls.last.request.content == small  # under the limit: sent as it is
    assert page.call_count == 0


class _Page(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Page.hits.append(self.path)
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_page() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Page.hits = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/menu"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("allowed", [False, True])
def test_a_link_to_this_machine_is_never_fetched_for_a_card_unless_local_servers_are_allowed(
    alice: User, loopback_page: str, allowed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if allowed:
        monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")
    else:
        monkeypatch.delenv("TIDINGS_ALLOW_LOCAL_SERVERS", raising=False)
    with respx.mock:
        respx.route(host="127.0.0.1").pass_through()
        respx.post(xrpc("com.atproto.repo.uploadBlob")).respond(400, json={"error": "InvalidRequest"})
        create = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
        bluesky.publish(connect_bluesky(alice), Content(text=f"Menu: {loopback_page}"), idempotency_key=KEY)
    sent = record(create)
    if allowed:
        assert sent["embed"]["external"]["title"] == "Spring menu & prices"
        assert _Page.hits == ["/menu", "/img/cover.jpg"]
    else:
        assert "embed" not in sent
        assert _Page.hits == []


# --- images and video ---------------------------------------------------------------------------------------


@respx.mock
def test_a_large_photo_is_scaled_down_under_the_blob_limit_keeping_its_aspect_ratio_and_alt_text(
    alice: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    photo = noise(2400, 1600)
    assert len(photo) > MAX_IMAGE_BYTES
    name = default_storage.save("uploads/big.jpg", ContentFile(photo))
    uploaded = blob("bafkreibig", "image/jpeg", 1)
    upload = respx.post(xrpc("com.atproto.repo.uploadBlob")).respond(200, json={"blob": uploaded})
    create = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    media = (MediaItem(name, "image", "image/jpeg", len(photo), width=2400, height=1600, alt_text="Our terrace"),)
    assert bluesky.validate(connect_bluesky(alice), Content(text="Terrace", media=media)) == []
    bluesky.publish(connect_bluesky(alice), Content(text="Terrace", media=media), idempotency_key=KEY)
    sent = upload.calls.last.request.content
    assert len(sent) <= MAX_IMAGE_BYTES
    with Image.open(io.BytesIO(sent)) as scaled:
        size = scaled.size
        assert scaled.format == "JPEG"
    assert size[0] < 2400
    assert abs(size[0] / size[1] - 1.5) < 0.01
    assert record(create)["embed"] == {
        "$type": "app.bsky.embed.images",
        "images": [{"image": uploaded, "alt": "Our terrace", "aspectRatio": {"width": size[0], "height": size[1]}}],
    }


def test_a_transparent_image_stays_png_and_a_small_one_is_left_alone() -> None:
    large = noise(700, 700, mode="RGBA", fmt="PNG")
    assert len(large) > MAX_IMAGE_BYTES
    fitted = fit_image(large, "image/png")
    assert fitted.mime_type == "image/png"
    assert len(fitted.data) <= MAX_IMAGE_BYTES
    with Image.open(io.BytesIO(fitted.data)) as scaled:
        assert (scaled.mode, scaled.size) == ("RGBA", (fitted.width, fitted.height))
        assert scaled.width == scaled.height < 700
    small = noise(10, 10)
    assert fit_image(small, "image/jpeg") == fit_image(small, "image/jpeg", limit=len(small))
    assert fit_image(small, "image/jpeg").data == small


@respx.mock
def test_a_video_is_streamed_up_as_a_blob_and_embedded_with_alt_text_and_aspect_ratio(
    alice: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
    name = default_storage.save("uploads/clip.mp4", ContentFile(video))
    uploaded = blob("bafkreivideo", "video/mp4", len(video))
    upload = respx.post(xrpc("com.atproto.repo.uploadBlob")).respond(200, json={"blob": uploaded})
    create = respx.post(xrpc("com.atproto.repo.createRecord")).respond(200, json=CREATED)
    media = (
        MediaItem(name, "video", "video/mp4", len(video), width=1080, height=1920, duration_seconds=12, alt_text="Us"),
    )
    content = Content(text="Behind the scenes", media=media)
    assert bluesky.validate(connect_bluesky(alice), content) == []
    bluesky.publish(connect_bluesky(alice), content, idempotency_key=KEY)
    sent = upload.calls.last.request
    assert sent.content == video
    assert (sent.headers["Content-Type"], sent.headers["Content-Length"]) == ("video/mp4", str(len(video)))
    assert record(create)["embed"] == {
        "$type": "app.bsky.embed.video",
        "video": uploaded,
        "alt": "Us",
        "aspectRatio": {"width": 1080, "height": 1920},
    }


def test_a_video_over_three_minutes_is_refused_before_anything_is_sent(alice: User) -> None:
    long = MediaItem("uploads/long.mp4", "video", "video/mp4", 1000, duration_seconds=181)
    with respx.mock:  # any request would fail the test
        problems = bluesky.validate(connect_bluesky(alice), Content(text="Long", media=(long,)))
    assert problems == ["long.mp4 lasts 181 s; Bluesky takes at most 180 s."]
