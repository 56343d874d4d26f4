"""A loopback receiver and endpoints that point at it. The receiver lives on this machine, which the address guard
refuses unless local servers are allowed, so these fixtures allow them (tests of the guard turn it back off)."""

from collections.abc import Iterator

import pytest

from tests.support.event_receiver import Receiver
from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.webhooks.models import SUBSCRIBABLE, Endpoint
from tidings.webhooks.services import create_endpoint


@pytest.fixture
def local_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_ALLOW_LOCAL_SERVERS", "1")


@pytest.fixture
def receiver(local_ok: None) -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def endpoint_for(user: User, url: str, events: list[str] | None = None) -> Endpoint:
    return create_endpoint(owner(user), url=url, event_types=events or [str(e) for e in SUBSCRIBABLE])
