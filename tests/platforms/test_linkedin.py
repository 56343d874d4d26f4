"""LinkedIn connector: Posts API requests with the version headers, images, OAuth and the error classes."""

import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.support.waits import HAND_BACK
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.base import (
    Content,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    ReauthRequired,
    StillProcessing,
    TransientError,
)
from tidings.platforms.connectors.linkedin import LINKEDIN_VERSION, LinkedInConnector, escape_little
from tidings.platforms.media import MediaItem
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

POSTS = "https://api.linkedin.com/rest/posts"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
linkedin = LinkedInConnector()


@pytest.fixture(autouse=True)
def _app(monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path) -> None:
    monkeypatch.setenv("TIDINGS_LINKEDIN_CLIENT_ID", "li-client")
    monkeypatch.setenv("TIDINGS_LINKEDIN_CLIENT_SECRET", "li-secret")
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def member(alice: User) -> SocialAccount:
    return connect_account(
        owner(alice),
        platform=Platform.LINKEDIN,
        external_id="yrZCpj2Z12",
        handle="Alice",
        access_token="li-at",
        refresh_token="li-rt",
    )


@pytest.fixture
def organization(bob: User) -> SocialAccount:
    return connect_account(
        owner(bob),
        platform=Platform.LINKEDIN,
        external_id="urn:li:organization:5583111",
        handle="Acme",
        access_token="org-at",
    )


def expected_body(author: str, commentary: str) -> dict:
    return {
        "author": author,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }


def test_not_configured_without_client_id(monkeypatch: pytest.MonkeyPatch) -> None:
    assert linkedin.is_configured()
    monkeypatch.delenv("TIDINGS_LINKEDIN_CLIENT_SECRET")
    assert not linkedin.is_configured()


def test_authorization_url_asks_member_scopes_and_organization_scope_only_when_enabled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = linkedin.start_connect(redirect_uri="https://tidings.example/cb")
    url = urlsplit(request.url)
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://www.linkedin.com/oauth/v2/authorization"
    assert params == {
        "response_type": "code",
        "client_id": "li-client",
        "redirect_uri": "https://tidings.example/cb",
        "scope": "openid profile w_member_social",
        "state": request.state,
    }
    assert request.session_data == {}  # LinkedIn offers PKCE to native apps only
    monkeypatch.setenv("TIDINGS_LINKEDIN_ORGANIZATIONS", "1")
    request = linkedin.start_connect(redirect_uri="https://tidings.example/cb")
    assert parse_qs(urlsplit(request.url).query)["scope"] == [
        "openid profile w_member_social w_organization_social rw_organization_admin"
    ]


@respx.mock
def test_code_exchange_posts_client_credentials_then_reads_userinfo() -> None:
    token = respx.post(TOKEN_URL).respond(
        json={"access_token": "AQX", "expires_in": 5184000, "refresh_token": "AQR", "scope": "openid,profile"}
    )
    me = respx.get("https://api.linkedin.com/v2/userinfo").respond(
        json={"sub": "yrZCpj2Z12", "name": "Alice Example", "given_name": "Alice", "family_name": "Example"}
    )
    identity, tokens = linkedin.finish_connect(code="c0de", redirect_uri="https://tidings.example/cb", session_data={})
    assert "Authorization" not in token.calls.last.request.headers
    assert parse_qs(token.calls.last.request.content.decode()) == {
        "grant_type": ["authorization_code"],
        "code": ["c0de"],
        "redirect_uri": ["https://tidings.example/cb"],
        "client_id": ["li-client"],
        "client_secret": ["li-secret"],
    }
    assert me.calls.last.request.headers["Authorization"] == "Bearer AQX"
    assert (identity.external_id, identity.handle) == ("yrZCpj2Z12", "Alice Example")
    assert (tokens.access_token, tokens.refresh_token) == ("AQX", "AQR")


@respx.mock
def test_refresh_keeps_the_refresh_token_when_not_rotated_and_refusal_needs_reconnect(member: SocialAccount) -> None:
    route = respx.post(TOKEN_URL).respond(json={"access_token": "AQX2", "expires_in": 5184000})
    tokens = linkedin.refresh_credentials(member)
    assert parse_qs(route.calls.last.request.content.decode())["refresh_token"] == ["li-rt"]
    assert (tokens.access_token, tokens.refresh_token) == ("AQX2", "li-rt")
    route.respond(
        400, json={"error": "invalid_grant", "error_description": "The provided authorization grant is revoked"}
    )
    with pytest.raises(ReauthRequired, match="revoked"):
        linkedin.refresh_credentials(member)


ACLS = "https://api.linkedin.com/rest/organizationAcls"
ORGANIZATIONS = "https://api.linkedin.com/rest/organizations"


def sign_in_routes() -> None:
    respx.post(TOKEN_URL).respond(json={"access_token": "AQX", "expires_in": 5184000, "refresh_token": "AQR"})
    respx.get("https://api.linkedin.com/v2/userinfo").respond(json={"sub": "yrZCpj2Z12", "name": "Alice Example"})


def acl(organization: str) -> dict:
    return {
        "roleAssignee": "urn:li:person:yrZCpj2Z12",
        "state": "APPROVED",
        "role": "ADMINISTRATOR",
        "organization": organization,
    }


@respx.mock
def test_connect_offers_the_member_and_each_organisation_they_administer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_LINKEDIN_ORGANIZATIONS", "1")
    sign_in_routes()
    second = respx.get(ACLS, params={"start": "100"}).respond(
        json={"elements": [acl("urn:li:organization:2414183")], "paging": {"start": 100, "count": 100, "total": 102}}
    )
    first = respx.get(ACLS).respond(
        json={
            "elements": [acl("urn:li:organization:5583111"), acl("urn:li:organizationBrand:77")],
            "paging": {"start": 0, "count": 100, "total": 102},
        }
    )
    names = respx.get(ORGANIZATIONS).respond(
        json={
            "results": {
                "5583111": {"id": 5583111, "localizedName": "Acme Corp", "vanityName": "acme"},
                "2414183": {"id": 2414183, "localizedName": "Acme Labs", "vanityName": "acme-labs"},
            },
            "statuses": {"5583111": 200, "2414183": 200},
            "errors": {},
        }
    )
    choices = linkedin.connect_choices(code="c0de", redirect_uri="https://tidings.example/cb", session_data={})
    assert dict(first.calls.last.request.url.params) == {
        "q": "roleAssignee",
        "role": "ADMINISTRATOR",
        "state": "APPROVED",
        "start": "0",
        "count": "100",
    }
    assert second.call_count == 1
    for route in (first, names):
        assert route.calls.last.request.headers["Authorization"] == "Bearer AQX"
        assert route.calls.last.request.headers["LinkedIn-Version"] == LINKEDIN_VERSION
        assert route.calls.last.request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert names.calls.last.request.url.query.decode() == "ids=List(5583111,2414183)"
    assert [(i.external_id, i.handle, i.display_name, dict(i.options)) for i, _ in choices] == [
        ("yrZCpj2Z12", "Alice Example", "Alice Example", {"kind": "member"}),
        ("urn:li:organization:5583111", "acme", "Acme Corp", {"kind": "organization"}),
        ("urn:li:organization:2414183", "acme-labs", "Acme Labs", {"kind": "organization"}),
    ]
    # Every choice posts with the member's own sign-in.
    assert {(t.access_token, t.refresh_token) for _, t in choices} == {("AQX", "AQR")}


@respx.mock
def test_without_organisations_enabled_only_the_member_is_offered() -> None:
    sign_in_routes()
    acls = respx.get(ACLS)
    choices = linkedin.connect_choices(code="c0de", redirect_uri="https://tidings.example/cb", session_data={})
    assert [i.external_id for i, _ in choices] == ["yrZCpj2Z12"]
    assert not acls.called


@respx.mock
def test_an_app_without_the_organisation_product_still_connects_the_member(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_LINKEDIN_ORGANIZATIONS", "1")
    sign_in_routes()
    respx.get(ACLS).respond(
        403,
        json={
            "status": 403,
            "serviceErrorCode": 100,
            "code": "ACCESS_DENIED",
            "message": "Not enough permissions to access: organizationAcls.FINDER-roleAssignee",
        },
    )
    choices = linkedin.connect_choices(code="c0de", redirect_uri="https://tidings.example/cb", session_data={})
    assert [(i.external_id, dict(i.options)) for i, _ in choices] == [("yrZCpj2Z12", {"kind": "member"})]


@respx.mock
def test_an_account_whose_kind_is_organisation_posts_as_it(bob: User) -> None:
    page = connect_account(
        owner(bob),
        platform=Platform.LINKEDIN,
        external_id="5583111",
        handle="acme",
        access_token="org-at",
        options={"kind": "organization"},
    )
    route = respx.post(POSTS).respond(201, headers={"x-restli-id": "urn:li:share:2"})
    linkedin.publish(page, Content(text="News"), idempotency_key="k")
    assert json.loads(route.calls.last.request.content)["author"] == "urn:li:organization:5583111"


@respx.mock
def test_member_post_with_version_headers_and_id_from_header(member: SocialAccount) -> None:
    route = respx.post(POSTS).respond(201, headers={"x-restli-id": "urn:li:share:6844785523593134080"})
    published = linkedin.publish(member, Content(text="Hello (world) @team #news"), idempotency_key="k")
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer li-at"
    assert request.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert json.loads(request.content) == expected_body("urn:li:person:yrZCpj2Z12", r"Hello \(world\) \@team #news")
    assert published.external_id == "urn:li:share:6844785523593134080"
    assert published.url == "https://www.linkedin.com/feed/update/urn:li:share:6844785523593134080/"


@respx.mock
def test_organization_account_posts_as_the_organization(organization: SocialAccount) -> None:
    route = respx.post(POSTS).respond(201, headers={"x-restli-id": "urn:li:share:1"})
    linkedin.publish(organization, Content(text="News", link="https://acme.example/a_b"), idempotency_key="k")
    body = json.loads(route.calls.last.request.content)
    assert body["author"] == "urn:li:organization:5583111"
    assert body["commentary"] == "News\n\nhttps://acme.example/a_b"  # links stay whole


def test_little_format_escaping() -> None:
    assert (
        escape_little(r"a_b *c* [d] {e} <f> ~g~ |h| \i # #tag")
        == r"a\_b \*c\* \[d\] \{e\} \<f\> \~g\~ \|h\| \\i \# #tag"
    )


def image_status(n: int, status: str) -> respx.Route:
    """GET /rest/images/{urn}: "Get a Single Image" in
    https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api."""
    return respx.get(f"https://api.linkedin.com/rest/images/urn%3Ali%3Aimage%3AC{n}").respond(
        json={"id": f"urn:li:image:C{n}", "status": status, "owner": "urn:li:person:yrZCpj2Z12"}
    )


@respx.mock
def test_images_are_initialized_put_and_attached(member: SocialAccount) -> None:
    paths = [default_storage.save(f"uploads/p{n}.png", ContentFile(b"png%d" % n)) for n in range(2)]
    init = respx.post("https://api.linkedin.com/rest/images", params={"action": "initializeUpload"}).mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "value": {"uploadUrl": f"https://www.linkedin.com/dms-uploads/{n}", "image": f"urn:li:image:C{n}"}
                },
            )
            for n in range(2)
        ]
    )
    puts = [respx.put(f"https://www.linkedin.com/dms-uploads/{n}").respond(201) for n in range(2)]
    statuses = [image_status(n, "AVAILABLE") for n in range(2)]
    post = respx.post(POSTS).respond(201, headers={"x-restli-id": "urn:li:share:2"})
    media = tuple(
        MediaItem(path=p, kind="image", mime_type="image/png", size_bytes=4, alt_text="alt" if n == 0 else "")
        for n, p in enumerate(paths)
    )
    linkedin.publish(member, Content(text="Two", media=media), idempotency_key="k")
    assert json.loads(init.calls[0].request.content) == {
        "initializeUploadRequest": {"owner": "urn:li:person:yrZCpj2Z12"}
    }
    assert init.calls[0].request.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert puts[0].calls.last.request.content == b"png0"
    assert puts[0].calls.last.request.headers["Content-Length"] == "4"
    assert puts[1].calls.last.request.headers["Authorization"] == "Bearer li-at"
    assert [route.call_count for route in statuses] == [1, 1]
    assert statuses[0].calls.last.request.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert json.loads(post.calls.last.request.content)["content"] == {
        "multiImage": {"images": [{"id": "urn:li:image:C0", "altText": "alt"}, {"id": "urn:li:image:C1"}]}
    }

    post.calls.reset()
    init.side_effect = [
        httpx.Response(
            200, json={"value": {"uploadUrl": "https://www.linkedin.com/dms-uploads/0", "image": "urn:li:image:C0"}}
        )
    ]
    linkedin.publish(member, Content(text="One", media=media[:1]), idempotency_key="k")
    assert json.loads(post.calls.last.request.content)["content"] == {
        "media": {"id": "urn:li:image:C0", "altText": "alt"}
    }


@respx.mock
def test_images_still_processing_are_awaited_without_uploading_them_again(
    member: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LinkedInConnector, "patience", HAND_BACK)
    path = default_storage.save("uploads/late.png", ContentFile(b"png9"))
    init = respx.post("https://api.linkedin.com/rest/images", params={"action": "initializeUpload"}).respond(
        json={"value": {"uploadUrl": "https://www.linkedin.com/dms-uploads/0", "image": "urn:li:image:C0"}}
    )
    put = respx.put("https://www.linkedin.com/dms-uploads/0").respond(201)
    image = respx.get("https://api.linkedin.com/rest/images/urn%3Ali%3Aimage%3AC0")
    image.side_effect = [
        httpx.Response(200, json={"id": "urn:li:image:C0", "status": "PROCESSING"}),
        httpx.Response(200, json={"id": "urn:li:image:C0", "status": "AVAILABLE"}),
    ]
    post = respx.post(POSTS).respond(201, headers={"x-restli-id": "urn:li:share:3"})
    content = Content(text="Later", media=(MediaItem(path=path, kind="image", mime_type="image/png", size_bytes=4),))

    with pytest.raises(StillProcessing) as waiting:
        linkedin.publish(member, content, idempotency_key="k")
    assert (waiting.value.progress["images"], post.call_count) == (["urn:li:image:C0"], 0)
    published = linkedin.publish(member, replace(content, progress=waiting.value.progress), idempotency_key="k")

    assert published.external_id == "urn:li:share:3"
    assert (init.call_count, put.call_count, image.call_count, post.call_count) == (1, 1, 2, 1)


@respx.mock
def test_an_image_linkedin_could_not_process_fails_the_post(member: SocialAccount) -> None:
    path = default_storage.save("uploads/bad.png", ContentFile(b"png0"))
    respx.post("https://api.linkedin.com/rest/images", params={"action": "initializeUpload"}).respond(
        json={"value": {"uploadUrl": "https://www.linkedin.com/dms-uploads/0", "image": "urn:li:image:C0"}}
    )
    respx.put("https://www.linkedin.com/dms-uploads/0").respond(201)
    image_status(0, "PROCESSING_FAILED")
    post = respx.post(POSTS).respond(201, headers={"x-restli-id": "urn:li:share:4"})
    content = Content(text="Bad", media=(MediaItem(path=path, kind="image", mime_type="image/png", size_bytes=4),))

    with pytest.raises(PermanentError, match="could not process one of the images"):
        linkedin.publish(member, content, idempotency_key="k")
    assert post.call_count == 0


@pytest.mark.parametrize(
    ("response", "error", "message"),
    [
        (
            httpx.Response(500, json={"message": "Internal Server Error", "status": 500}),
            TransientError,
            "LinkedIn answered 500",
        ),
        (
            httpx.Response(401, json={"message": "Invalid access token", "serviceErrorCode": 65600}),
            ReauthRequired,
            "Invalid access token",
        ),
        (
            httpx.Response(422, json={"message": "Content is a duplicate of urn:li:share:123", "status": 422}),
            PermanentError,
            "Content is a duplicate",
        ),
        (httpx.Response(400, json={"message": "Invalid author", "status": 400}), PermanentError, "Invalid author"),
    ],
)
@respx.mock
def test_error_answers_are_classified(
    member: SocialAccount, response: httpx.Response, error: type, message: str
) -> None:
    respx.post(POSTS).mock(return_value=response)
    with pytest.raises(error, match=message):
        linkedin.publish(member, Content(text="Hello"), idempotency_key="k")


@respx.mock
def test_rate_limit_and_lost_answer(member: SocialAccount) -> None:
    route = respx.post(POSTS).respond(429, headers={"Retry-After": "30"}, json={"message": "Resource level throttle"})
    with pytest.raises(RateLimited) as raised:
        linkedin.publish(member, Content(text="Hello"), idempotency_key="k")
    assert raised.value.retry_after == 30
    route.mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(OutcomeUnknown):
        linkedin.publish(member, Content(text="Hello"), idempotency_key="k")


def test_validation_messages(member: SocialAccount) -> None:
    image = MediaItem(path="uploads/a.jpg", kind="image", mime_type="image/jpeg", size_bytes=1000)
    assert linkedin.validate(member, Content(text="Hello")) == []
    assert linkedin.validate(member, Content(text="x" * 3001)) == [
        "The post is 3001 characters long; LinkedIn allows 3000. Shorten it."
    ]
    assert linkedin.validate(member, Content(text="Hi", media=(image,) * 21)) == [
        "LinkedIn takes at most 20 attachments; this post has 21."
    ]
    webp = MediaItem(path="uploads/b.webp", kind="image", mime_type="image/webp", size_bytes=1000)
    assert linkedin.validate(member, Content(text="Hi", media=(webp,))) == [
        "b.webp: LinkedIn does not take image/webp images."
    ]
    video = MediaItem(path="uploads/v.mp4", kind="video", mime_type="video/mp4", size_bytes=1000, duration_seconds=900)
    assert linkedin.validate(member, Content(text="Hi", media=(video,))) == [
        "v.mp4 is under 75 KB; LinkedIn takes videos from 75 KB."
    ]
    mov = MediaItem(
        path="uploads/w.mov", kind="video", mime_type="video/quicktime", size_bytes=10**6, duration_seconds=2
    )
    assert linkedin.validate(member, Content(text="Hi", media=(mov, image))) == [
        "LinkedIn does not mix images and video in one post.",
        "w.mov: LinkedIn does not take video/quicktime video.",
        "w.mov lasts 2.0 s; LinkedIn needs at least 3 s.",
    ]
