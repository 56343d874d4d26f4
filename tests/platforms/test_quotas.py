"""The quota table: every platform's documented windows, each with its source, and the operator's overrides."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tidings.jobs import queues
from tidings.platforms import quotas
from tidings.platforms.models import Platform
from tidings.platforms.quotas import DAY, HOUR, MINUTE, Window


def numbers(windows: tuple[Window, ...]) -> list[tuple[int, float]]:
    return [(w.posts, w.seconds) for w in windows]


def test_every_platform_has_an_entry_and_every_number_names_its_source() -> None:
    assert set(quotas.DEFAULT_QUOTAS) == set(Platform.values)
    for platform, entry in quotas.DEFAULT_QUOTAS.items():
        for window in (*entry.per_account, *entry.per_app):
            assert window.source.startswith("https://"), (platform, window)
            assert window.posts > 0
            assert window.seconds > 0
        # A platform without a number in a scope says why.
        if not (entry.per_account and entry.per_app):
            assert entry.note, platform


def test_the_documented_per_account_and_per_app_numbers() -> None:
    assert numbers(quotas.account_windows(Platform.INSTAGRAM)) == [(50, DAY)]
    assert numbers(quotas.account_windows(Platform.THREADS)) == [(250, DAY)]
    assert numbers(quotas.account_windows(Platform.TIKTOK)) == [(6, MINUTE)]
    assert numbers(quotas.account_windows(Platform.X)) == [(200, 15 * MINUTE), (300, 3 * HOUR)]
    assert numbers(quotas.account_windows(Platform.BLUESKY)) == [(1666, HOUR), (11666, DAY)]
    assert numbers(quotas.account_windows(Platform.MASTODON)) == [(300, 5 * MINUTE)]
    assert numbers(quotas.app_windows(Platform.YOUTUBE)) == [(100, DAY)]
    assert numbers(quotas.app_windows(Platform.BLUESKY)) == [(3000, 5 * MINUTE)]
    # Per-user limits are no longer applied to the whole instance.
    assert quotas.app_windows(Platform.X) == ()
    assert quotas.app_windows(Platform.INSTAGRAM) == ()
    assert quotas.account_windows(Platform.WEBHOOK) == quotas.app_windows(Platform.WEBHOOK) == ()


def test_the_app_wide_override_keeps_its_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_RATE_X", "100/900")
    monkeypatch.setenv("TIDINGS_RATE_BLUESKY", "none")
    monkeypatch.setenv("TIDINGS_RATE_PINTEREST", "1000/86400,20/60")

    assert numbers(quotas.app_windows(Platform.X)) == [(100, 900.0)]
    assert quotas.app_windows(Platform.BLUESKY) == ()
    assert numbers(quotas.app_windows(Platform.PINTEREST)) == [(1000, DAY), (20, MINUTE)]
    assert quotas.app_windows(Platform.X)[0].source == "TIDINGS_RATE_X"
    # The queues read the same value; the window with the slowest long-run pace sets it.
    assert queues.rate_limit(Platform.X) == (100, 900.0)
    assert queues.rate_limit(Platform.PINTEREST) == (1000, DAY)
    assert queues.rate_limit(Platform.BLUESKY) is None


def test_the_per_account_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_INSTAGRAM", "25/86400")
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_THREADS", "none")
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_LINKEDIN", "150/86400")

    assert numbers(quotas.account_windows(Platform.INSTAGRAM)) == [(25, DAY)]
    assert quotas.account_windows(Platform.THREADS) == ()
    assert numbers(quotas.account_windows(Platform.LINKEDIN)) == [(150, DAY)]
    # The app-wide values are untouched.
    assert numbers(quotas.app_windows(Platform.YOUTUBE)) == [(100, DAY)]


@pytest.mark.parametrize("text", ["ten/60", "10/0", "-1/60", "10/60,x"])
def test_a_malformed_override_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("TIDINGS_ACCOUNT_RATE_X", text)
    with pytest.raises(ImproperlyConfigured, match="TIDINGS_ACCOUNT_RATE_X"):
        quotas.account_windows(Platform.X)
    # Checked when a worker registers its queues, before any dispatch tick.
    with pytest.raises(ImproperlyConfigured, match="TIDINGS_ACCOUNT_RATE_X"):
        quotas.check_overrides()


def test_queues_poll_platforms_by_their_pace(settings: object, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slowest = 0.1, 1.0
    monkeypatch.setattr(settings, "TIDINGS_QUEUE_POLL_SECONDS", fast)
    monkeypatch.setattr(settings, "TIDINGS_QUEUE_MAX_POLL_SECONDS", slowest)
    monkeypatch.setattr(settings, "TIDINGS_WORKER_CONCURRENCY", 10)
    # No quota at all: as fast as allowed. Quotas per account only: the app-wide pace is unknown, so slowest.
    assert queues.queue_polling_interval(Platform.WEBHOOK) == fast
    assert queues.queue_polling_interval(Platform.X) == slowest
    # 3000 posts per 300 s is 10 a second: 10 slots refilled twice a second.
    assert queues.queue_polling_interval(Platform.BLUESKY) == pytest.approx(0.5)
