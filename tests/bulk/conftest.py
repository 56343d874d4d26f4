"""Import tests run on a fixed clock (1 March 2027, 10:00 UTC) in Lisbon, so rows name real future local times and
the spring-forward gap (28 March 2027, 01:00-02:00) is a date in the file."""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from tests.support.workspaces import workspace_of
from tidings.accounts.models import User
from tidings.workspaces.models import Workspace

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
HEADER = ("text", "link", "media_urls", "alt_texts", "accounts", "scheduled_at")


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def in_lisbon(user: User) -> Workspace:
    workspace = workspace_of(user)
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Europe/Lisbon")
    return workspace_of(user)


def csv_file(*rows: dict[str, str], header: tuple[str, ...] = HEADER) -> bytes:
    """A CSV file with `header` and a row per dict (columns left out are empty)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue().encode()
