"""The CSV exports: every post target with its outcome and both balances' ledger, exactly; times in the workspace's
zone and in UTC; cells a spreadsheet would run as formulas defused; only the workspace's own rows."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.http import StreamingHttpResponse

from tests.conftest import create_account
from tests.support.states import bring_to
from tests.support.workspaces import join, owner, workspace_of
from tidings.accounts.models import User
from tidings.bulk import exports
from tidings.posts.services import create_post, schedule_post
from tidings.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def rows_of(response: StreamingHttpResponse) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def new_york(user: User) -> Workspace:
    Workspace.objects.filter(pk=workspace_of(user).pk).update(time_zone="America/New_York")
    return workspace_of(user)


def test_posts_and_their_outcomes(alice: User, bob: User) -> None:
    new_york(alice)
    account = create_account(alice)
    bobs = create_account(bob)
    out = create_post(owner(alice), text='=HYPERLINK("https://evil.test")', account_ids=[account.pk])
    schedule_post(owner(alice), out.pk, at=datetime(2027, 3, 2, 14, 0, tzinfo=UTC))
    draft = create_post(owner(alice), text="@everyone a draft", link="https://a.test/", account_ids=[account.pk])
    create_post(owner(bob), text="Bob's own", account_ids=[bobs.pk])
    with time_machine.travel(datetime(2027, 3, 2, 14, 0, 30, tzinfo=UTC), tick=False):
        target = bring_to(out.targets.get(), "published")

    rows = rows_of(exports.csv_download(exports.post_rows(owner(alice)), "posts.csv"))
    assert rows == [
        list(exports.POST_COLUMNS),
        [
            str(out.pk),
            str(target.pk),
            '\'=HYPERLINK("https://evil.test")',
            "",
            str(account.pk),
            "mastodon:@alice1",
            "mastodon",
            "published",
            "2027-03-02T09:00:00-05:00",
            "2027-03-02T14:00:00Z",
            "2027-03-02T09:00:30-05:00",
            "2027-03-02T14:00:30Z",
            f"https://example.org/{target.pk}",
            "",
        ],
        [
            str(draft.pk),
            str(draft.targets.get().pk),
            "'@everyone a draft",
            "https://a.test/",
            str(account.pk),
            "mastodon:@alice1",
            "mastodon",
            "draft",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]


def test_the_ledger_of_both_balances(alice: User) -> None:
    workspace = new_york(alice)
    account = create_account(alice)
    post = create_post(owner(alice), text="Out", account_ids=[account.pk])
    schedule_post(owner(alice), post.pk, at=datetime(2027, 3, 2, 14, 0, tzinfo=UTC))
    with time_machine.travel(datetime(2027, 3, 2, 14, 0, 30, tzinfo=UTC), tick=False):
        target = bring_to(post.targets.get(), "published")
    rows = rows_of(exports.csv_download(exports.ledger_rows(owner(alice)), "ledger.csv"))
    granted = [e.created_at for e in workspace.ledger.order_by("pk")][:2]
    local = [at.astimezone(workspace.zone).isoformat(timespec="seconds") for at in granted]
    utc = [at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for at in granted]
    assert rows == [
        list(exports.LEDGER_COLUMNS),
        [local[0], utc[0], "credits", "grant", "10", "10", "First month's credits", "", ""],
        [local[1], utc[1], "video_credits", "grant", "2", "2", "First month's video credits", "", ""],
        [
            "2027-03-02T09:00:30-05:00",
            "2027-03-02T14:00:30Z",
            "credits",
            "consume",
            "-1",
            "9",
            rows[3][6],
            str(post.pk),
            str(target.pk),
        ],
    ]
    assert rows[3][6]
    assert not rows[3][6].startswith(("=", "+", "-", "@"))


def test_every_member_may_export_and_a_stranger_sees_only_their_own(alice: User, bob: User) -> None:
    account = create_account(alice)
    create_post(owner(alice), text="Alice's", account_ids=[account.pk])
    viewer = join(bob, workspace_of(alice), "viewer")
    assert [row[2] for row in exports.post_rows(viewer)] == ["text", "Alice's"]
    assert [row[2] for row in exports.post_rows(owner(bob))] == ["text"]
    assert len(list(exports.ledger_rows(owner(bob)))) == 3  # the header and bob's own two grants


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        (-1, "-1"),
        (None, ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_defused(value: object, written: str) -> None:
    assert exports.safe_cell(value) == written
