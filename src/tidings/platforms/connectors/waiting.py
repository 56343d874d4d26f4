"""Waiting for a platform to process what was sent (a video, a media container) without holding a worker.

A connector checks once (or for a few seconds, where most media is ready at once) and, when the platform is not
done, raises `StillProcessing` with the ids it has made so far. The publish workflow keeps them on the target,
gives its queue slot back, and calls the connector again later with them in `Content.progress`, so nothing is
uploaded twice. Past the platform's longest wait the send fails with a clear reason instead.

    def publish(self, account, content, *, idempotency_key):
        container = content.progress.get("container") or self.create(...)
        until_ready(
            lambda: True if self.finished(container) else NotYet(),
            patience=self.patience, progress=content.progress,
            made={"container": container}, label=self.label, what="the video",
        )
        ...  # publish the container

`made` holds ids only (JSON), never a token. Two keys mean something to the workflow: `sent` (set by `sent=True`:
the post already exists, so only its status is asked again and it is never resent) and `done` (posts of a thread
already out, so a late resume is finished rather than skipped).
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from tidings.platforms.base import OutcomeUnknown, PermanentError, StillProcessing

T = TypeVar("T")


@dataclass(frozen=True)
class Patience:
    """How one platform's processing is waited for, in seconds."""

    # Between the checks handed back to the workflow: `first`, growing by `growth`, at most `longest`.
    first: float
    longest: float
    # The longest total wait, from the first "not yet"; then the send fails (or, when the post already exists on
    # the platform, is left unconfirmed for its status to settle later).
    most: float
    # How long one step may keep checking by itself (every `inline_every` seconds) before it hands back: most
    # images are ready within a second or two, and a round trip through the queue would only delay them.
    inline: float = 0.0
    inline_every: float = 1.0
    growth: float = 1.5


@dataclass(frozen=True)
class NotYet:
    """A check's answer "still processing"; `after` is the platform's own hint (X's `check_after_secs`)."""

    after: float | None = None


def until_ready(
    check: Callable[[], T | NotYet],
    *,
    patience: Patience,
    progress: Mapping[str, Any],
    made: Mapping[str, Any],
    label: str,
    what: str,
    sent: bool = False,
) -> T:
    """What `check` returns once it is not `NotYet`; else `StillProcessing` carrying `made` (plus when the wait
    began and how many checks it took), or the final failure once `patience.most` has passed.

    `progress` is what the previous check left (`Content.progress`); `sent` that the post exists already.
    """
    checks = int(progress.get("checks") or 0)
    began = time.monotonic()
    while True:
        answer = check()
        if not isinstance(answer, NotYet):
            return answer
        pause = answer.after or patience.inline_every
        if time.monotonic() - began + pause > patience.inline:
            break
        time.sleep(pause)
    since = _since(progress)
    waited = (datetime.now(tz=UTC) - since).total_seconds()
    if waited >= patience.most:
        minutes = max(1, round(waited / 60))
        if sent:
            raise OutcomeUnknown(
                f"{label} was still processing {what} after {minutes} minutes; its status is checked again later."
            )
        raise PermanentError(
            f"{label} was still processing {what} after {minutes} minutes, so it was not posted. Try again later, "
            "or with a shorter or smaller file."
        )
    delay = answer.after if answer.after else patience.first * patience.growth**checks
    delay = max(0.0, min(delay, patience.longest, patience.most - waited))
    state = {**made, "since": since.isoformat(), "checks": checks + 1} | ({"sent": True} if sent else {})
    raise StillProcessing(
        f"{label} is still processing {what}; checking again in {delay:.0f} s.",
        progress=state,
        check_after=delay,
        sent=sent,
    )


def _since(progress: Mapping[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(progress["since"]))
    except (KeyError, ValueError):
        return datetime.now(tz=UTC)
