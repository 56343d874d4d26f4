"""The import and export pages without a browser: a bad file is refused on the form, the report downloads as CSV,
a viewer may export but not import, and the export links are on the queue and plan pages."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.bulk.conftest import csv_file
from tests.conftest import create_account
from tests.support.workspaces import join, workspace_of
from tidings.accounts.models import User
from tidings.bulk.models import ImportJob
from tidings.posts.models import Post

pytestmark = pytest.mark.django_db


def signed_in(user: User, workspace_id: int | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if workspace_id is not None:
        session = client.session
        session["workspace_id"] = workspace_id
        session.save()
    return client


def test_a_file_that_is_not_an_import_is_refused_on_the_form(alice: User) -> None:
    response = signed_in(alice).post("/imports/", {"file": SimpleUploadedFile("x.csv", b"colour\nred\n")})
    assert response.status_code == 200
    assert "Unknown column &#x27;colour&#x27;" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_report_downloads_as_csv(alice: User) -> None:
    create_account(alice)
    client = signed_in(alice)
    data = csv_file({"text": "Draft", "accounts": "@alice1"}, {"text": "=1+1", "accounts": "@nobody"})
    response = client.post("/imports/", {"file": SimpleUploadedFile("x.csv", data)})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/"
    assert client.post(f"/imports/{job.pk}/create/").status_code == 302
    post = Post.objects.get()
    report = client.get(f"/imports/{job.pk}/report.csv")
    text = b"".join(report.streaming_content).decode()  # type: ignore[attr-defined]
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["row", "result", "post_id", "reason"],
        ["2", "created", str(post.pk), ""],
        ["3", "refused", "", "No connected account @nobody in this workspace."],
    ]


def test_a_viewer_may_export_but_not_import(alice: User, bob: User) -> None:
    join(bob, workspace_of(alice), "viewer")
    client = signed_in(bob, workspace_of(alice).pk)
    page = client.get("/imports/").content.decode()
    assert 'data-testid="import-needs"' in page
    assert 'data-testid="import-form"' not in page
    refused = client.post("/imports/", {"file": SimpleUploadedFile("x.csv", b"text,accounts\nx,@alice1\n")})
    assert refused.status_code == 403
    assert not ImportJob.objects.exists()
    assert client.get("/exports/posts.csv").status_code == 200
    assert client.get("/exports/ledger.csv").status_code == 200
    assert 'href="/exports/posts.csv"' in client.get("/queue/").content.decode()
    assert 'href="/exports/ledger.csv"' in client.get("/plan/").content.decode()
