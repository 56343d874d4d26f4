"""TIDINGS_LOG_FORMAT=json: every line one JSON object, with the fields a log shipper indexes."""

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.test import RequestFactory

from tidings.core.logformat import json_formatter
from tidings.posts.publishing import log_decision


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """The records of every logger, formatted as the json setting formats them."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield out
    finally:
        root.removeHandler(handler)


def parsed(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_publish_decision_is_one_object_with_its_fields(lines: io.StringIO) -> None:
    log_decision(42, platform="mastodon", attempt=2, outcome="transient", duration_ms=180)
    [line] = parsed(lines)
    assert set(line) == {"time", "level", "logger", "message", "publish"}
    assert line["level"] == "INFO"
    assert line["logger"] == "tidings.publish"
    assert line["message"] == "publish.decision target=42 platform=mastodon attempt=2 outcome=transient duration_ms=180"
    assert line["publish"] == {
        "target": 42,
        "platform": "mastodon",
        "attempt": 2,
        "outcome": "transient",
        "duration_ms": 180,
    }
    assert str(line["time"]).endswith("+00:00")


def test_an_exception_is_kept_in_the_same_line(lines: io.StringIO) -> None:
    try:
        raise ValueError("bad value")
    except ValueError:
        logging.getLogger("tidings.test").exception("It broke")
    [line] = parsed(lines)
    assert line["level"] == "ERROR"
    assert "ValueError: bad value" in str(line["exc_info"])


def test_a_request_logged_by_django_leaves_out_the_request_and_its_query_string(lines: io.StringIO) -> None:
    request = RequestFactory().get("/confirm/?key=secret-value")
    logging.getLogger("django.request").warning(
        "Not Found: %s", request.path, extra={"status_code": 404, "request": request}
    )
    [line] = parsed(lines)
    assert line["message"] == "Not Found: /confirm/"
    assert line["status_code"] == 404
    assert "request" not in line
    assert "secret-value" not in lines.getvalue()


def run_with_format(value: str | None, code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TIDINGS_LOG_FORMAT"}
    env["DJANGO_SETTINGS_MODULE"] = "tidings.settings"
    if value is not None:
        env["TIDINGS_LOG_FORMAT"] = value
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"import django, logging; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_setting_formats_every_logger_of_the_process_dbos_included() -> None:
    done = run_with_format(
        "json",
        "logging.getLogger('tidings.publish').info('one', extra={'publish': {'target': 1}}); "
        "logging.getLogger('dbos').warning('two')",
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines()]
    mine = [(r["logger"], r["message"]) for r in records if r["logger"] in ("tidings.publish", "dbos")]
    assert mine == [("tidings.publish", "one"), ("dbos", "two")]
    assert records[-2]["publish"] == {"target": 1}


def test_plain_stays_the_default_and_a_typo_is_refused() -> None:
    plain = run_with_format(None, "logging.getLogger('tidings.publish').info('one')")
    assert plain.returncode == 0, plain.stderr
    assert plain.stderr.splitlines()[-1].endswith(" INFO tidings.publish one")
    wrong = run_with_format("jsn", "pass")
    assert wrong.returncode != 0
    assert "TIDINGS_LOG_FORMAT must be plain or json, not 'jsn'." in wrong.stderr
