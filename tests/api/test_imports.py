"""The import and export API: a dry run that stores nothing, an import that creates the rows that pass and is safe
to retry with an Idempotency-Key, its report, the CSV exports, and the refusals."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse

from tests.api.conftest import BASE, Api, error, token
from tests.bulk.conftest import csv_file
from tests.conftest import create_account
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.api.services import create_token
from tidings.bulk.models import ImportJob
from tidings.credits.models import CreditReservation
from tidings.posts.models import Post

pytestmark = pytest.mark.django_db
FILE = csv_file(
    {"text": "Hello", "accounts": "@alice1", "scheduled_at": "2027-03-02 09:00"},
    {"text": "Nobody", "accounts": "@nobody"},
)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(datetime(2027, 3, 1, 10, 0, tzinfo=UTC), tick=False):
        yield


def upload(api: Api, data: bytes = FILE, query: str = "", headers: dict[str, str] | None = None) -> HttpResponse:
    sent = {"file": SimpleUploadedFile("posts.csv", data, content_type="text/csv")}
    return api.client.post(f"{BASE}/imports{query}", sent, headers=api._headers(headers))  # type: ignore[return-value]


def test_a_dry_run_answers_the_preview_and_stores_nothing(alice: User, alice_api: Api) -> None:
    create_account(alice)
    response = upload(alice_api, query="?dry_run=true")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": None,
        "file_name": "posts.csv",
        "status": "preview",
        "rows": 2,
        "created": 0,
        "refused": 1,
        "created_at": None,
        "results": [
            {
                "row": 2,
                "ok": True,
                "created": False,
                "reason": "",
                "post_id": None,
                "scheduled_at_local": "2027-03-02 09:00",
            },
            {
                "row": 3,
                "ok": False,
                "created": False,
                "reason": "No connected account @nobody in this workspace.",
                "post_id": None,
                "scheduled_at_local": "",
            },
        ],
    }
    assert not ImportJob.objects.exists()
    assert not Post.objects.exists()


def test_an_import_creates_what_passes_once_per_idempotency_key(alice: User, alice_api: Api) -> None:
    create_account(alice)
    response = upload(alice_api, headers={"Idempotency-Key": "march"})
    assert response.status_code == 201, response.content
    body = response.json()
    post = Post.objects.get()
    assert (body["status"], body["created"], body["refused"]) == ("done", 1, 1)
    assert [(r["row"], r["created"], r["post_id"]) for r in body["results"]] == [(2, True, post.pk), (3, False, None)]
    again = upload(alice_api, headers={"Idempotency-Key": "march"})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == body
    assert Post.objects.count() == 1
    assert CreditReservation.objects.count() == 1
    other = upload(
        alice_api, data=csv_file({"text": "Other", "accounts": "@alice1"}), headers={"Idempotency-Key": "march"}
    )
    error(other, 409, "conflict")
    assert Post.objects.count() == 1

    report = alice_api.get(f"/imports/{body['id']}")
    assert report.status_code == 200
    assert report.json() == body


def test_refusals(alice: User, bob: User, alice_api: Api) -> None:
    create_account(alice)
    error(upload(alice_api, data=b"text,colour\n"), 400, "invalid_input")
    missing = alice_api.client.post(f"{BASE}/imports", {}, headers=alice_api._headers(None))
    assert error(missing, 400, "invalid_input")["field"] == "file"  # type: ignore[arg-type]
    viewer = Api(create_token(join(bob, workspace_of(alice), "viewer"), name="v", scopes=["posts:write"])[1])
    error(upload(viewer), 403, "role_too_low")
    reader = Api(token(alice, scopes=["posts:read"]))
    error(upload(reader), 403, "forbidden")
    job = ImportJob.objects.create(workspace=workspace_of(bob), file_name="b.csv", content="", rows=0)
    error(alice_api.get(f"/imports/{job.pk}"), 404, "not_found")
    assert not Post.objects.exists()


def test_the_exports_stream_csv_with_the_right_scope(alice: User, alice_api: Api) -> None:
    create_account(alice)
    upload(alice_api)
    posts = alice_api.get("/exports/posts.csv")
    assert posts.status_code == 200
    assert posts["Content-Type"] == "text/csv; charset=utf-8"
    assert posts["Content-Disposition"] == 'attachment; filename="posts.csv"'
    lines = b"".join(posts.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert (
        lines[0] == "\ufeffpost_id,target_id,text,link,account_id,account,platform,status,scheduled_at_local,"
        "scheduled_at_utc,published_at_local,published_at_utc,published_url,error"
    )
    assert len(lines) == 2
    assert ",Hello,," in lines[1]
    ledger = alice_api.get("/exports/ledger.csv")
    assert ledger.status_code == 200
    assert len(b"".join(ledger.streaming_content).decode().splitlines()) == 3  # type: ignore[attr-defined]
    error(Api(token(alice, scopes=["posts:read"])).get("/exports/ledger.csv"), 403, "forbidden")
    error(Api(token(alice, scopes=["credits:read"])).get("/exports/posts.csv"), 403, "forbidden")
