from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.api.conftest import Api
from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.api.models import ApiToken
from tidings.cli import main

pytestmark = pytest.mark.django_db


def test_create_token_prints_the_secret_once(alice: User) -> None:
    out, err = StringIO(), StringIO()
    call_command(
        "create_token",
        "alice",
        "--name",
        "cron",
        "--scope",
        "posts:read",
        "--expires-days",
        "7",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    assert secret.startswith("tdg_")
    assert "Shown this once" in err.getvalue()
    row = ApiToken.objects.get()
    assert (row.name, row.scopes, row.expires_at is not None) == ("cron", ["posts:read"], True)
    # The CLI makes a person's token for their own workspace.
    assert (row.parent_id, row.workspace) == (None, workspace_of(alice))
    assert secret not in str(ApiToken.objects.values().get())
    assert Api(secret).get("/posts").status_code == 200


def test_the_tidings_command_has_it(alice: User, capsys: pytest.CaptureFixture[str]) -> None:
    main(["create-token", "alice", "--name", "cli", "--scope", "credits:read"])
    assert capsys.readouterr().out.strip().startswith("tdg_")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "--name", "x", "--scope", "posts:read"], "No user"),
        (["alice", "--name", "x"], "at least one scope"),
        (["alice", "--name", "x", "--scope", "root"], "Unknown scope"),
        (["alice", "--name", "x", "--scope", "events"], "staff"),
        (["alice", "--name", "x", "--scope", "posts:read", "--expires-days", "0"], "1 or more"),
    ],
)
def test_bad_arguments_are_refused(alice: User, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("create_token", *args, stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()
