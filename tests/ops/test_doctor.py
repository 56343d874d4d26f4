"""`tidings doctor`: ok, warn or fail per check with what to fix; exit code 1 when anything fails."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from tests.conftest import create_account
from tests.support.processes import worker_env
from tidings.accounts.models import User
from tidings.ops import doctor

pytestmark = pytest.mark.django_db


def levels() -> dict[str, str]:
    return {check.name: check.level for check in doctor.run_checks()}


def test_a_working_install_passes(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TIDINGS_AI_PROVIDER", raising=False)
    call_command("doctor")
    out = capsys.readouterr().out
    for name in ("database", "migrations", "sqlite for DBOS", "secret key", "encryption keys", "platforms"):
        assert f"  {name}: " in out
    assert "OK  migrations: all applied" in out
    assert "WARN  AI provider: no site-wide provider" in out
    assert "fix: Set TIDINGS_AI_PROVIDER (openai or anthropic), TIDINGS_AI_MODEL" in out
    assert "All checks passed" in out
    assert "webhook" in next(c.message for c in doctor.run_checks() if c.name == "platforms")


def test_the_sqlite_check_names_the_driver_dbos_gets(on_postgres: bool) -> None:
    check = doctor.check_sqlite_for_dbos()
    assert check.level == "ok"
    if on_postgres:
        assert check.message == "not needed: DBOS uses PostgreSQL"
    else:
        assert "SQLite 3." in check.message


def test_a_broken_ai_setting_fails_with_the_fix(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TIDINGS_AI_PROVIDER", "bogus")
    check = doctor.check_ai_provider()
    assert check.level == "fail"
    assert check.message == "TIDINGS_AI_PROVIDER is 'bogus'; it must be one of: openai, anthropic."
    with pytest.raises(CommandError, match="1 check\\(s\\) failed: AI provider") as failure:
        call_command("doctor")
    assert failure.value.returncode == 1
    monkeypatch.setenv("TIDINGS_AI_PROVIDER", "openai")
    monkeypatch.setenv("TIDINGS_AI_MODEL", "llama3.1")
    monkeypatch.setenv("TIDINGS_AI_BASE_URL", "http://localhost:11434/v1")
    assert doctor.check_ai_provider().message == "openai model llama3.1 at http://localhost:11434/v1, without a key"


def test_debug_and_hosts(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG, settings.ALLOWED_HOSTS = True, ["localhost"]
    assert [(c.name, c.level) for c in doctor.check_debug_and_hosts()] == [("debug", "warn"), ("allowed hosts", "ok")]
    settings.ALLOWED_HOSTS = ["tidings.example.com"]
    assert [c.level for c in doctor.check_debug_and_hosts()] == ["fail", "warn"]
    settings.DEBUG, settings.SESSION_COOKIE_SECURE = False, True
    assert [c.level for c in doctor.check_debug_and_hosts()] == ["ok", "ok"]
    settings.ALLOWED_HOSTS = []
    assert doctor.check_debug_and_hosts()[1].level == "fail"
    settings.ALLOWED_HOSTS = ["*"]
    assert doctor.check_debug_and_hosts()[1].level == "warn"


def test_a_missing_encryption_key_fails(settings, alice: User) -> None:  # type: ignore[no-untyped-def]
    create_account(alice)
    assert doctor.check_encryption_keys().message.endswith("a stored token decrypts")
    settings.TIDINGS_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    check = doctor.check_encryption_keys()
    assert check.level == "fail"
    assert "cannot be decrypted" in check.message
    assert "Put back the key" in check.fix


def test_connections_are_budgeted_on_postgresql(on_postgres: bool, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TIDINGS_DB_POOL_SIZE", "10")
    check = doctor.check_postgres_connections(web=2, workers=2)
    if not on_postgres:
        assert (check.level, check.message) == ("ok", "SQLite: no connection limit")
        return
    # 2 web x (10 + 9) + 2 workers x (10 + 24) = 106 > 100 on this machine's server.
    assert "may open up to 106 connections" in check.message
    assert check.level == ("warn" if 106 > 97 else "ok")
    assert doctor.check_postgres_connections(web=1, workers=1).message.startswith("1 web + 1 worker processes")


def run_doctor(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tidings", "doctor"],
        env={**worker_env(), "TIDINGS_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_unmigrated_database_exits_1_and_says_to_migrate(tmp_path: Path) -> None:
    result = run_doctor(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL  migrations: " in result.stdout
    assert "fix: Run `tidings migrate`." in result.stdout
    assert "check(s) failed: migrations" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_0_when_only_warnings(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k.startswith("TIDINGS_AI")}
    assert not env.get("TIDINGS_AI_PROVIDER")
    result = run_doctor(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout


# --- platform API versions (tidings.platforms.versions) ------------------------------------------------------


def api_checks(settings, today: str, *, graph: str = "v24.0", linkedin: str = "202605") -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    from datetime import date

    settings.TIDINGS_GRAPH_API_VERSION, settings.TIDINGS_LINKEDIN_VERSION = graph, linkedin
    return {c.name: (c.level, c.message) for c in doctor.check_api_versions(today=date.fromisoformat(today))}


def test_api_versions_are_ok_while_far_from_their_sunset(settings) -> None:  # type: ignore[no-untyped-def]
    # Graph API v24.0 expires on 18 February 2028 (https://developers.facebook.com/docs/graph-api/changelog/versions);
    # LinkedIn's 202605 about a year after May 2026.
    assert api_checks(settings, "2026-12-01") == {
        "Graph API version": ("ok", "v24.0, supported until 18 February 2028"),
        "LinkedIn API version": ("ok", "202605, supported until about 15 May 2027"),
    }


def test_api_versions_warn_within_two_months_of_their_sunset_and_fail_after(settings) -> None:  # type: ignore[no-untyped-def]
    assert api_checks(settings, "2027-03-20", graph="v22.0") == {
        "Graph API version": ("warn", "v22.0 is retired on 20 May 2027"),
        "LinkedIn API version": ("warn", "202605 is retired on about 15 May 2027"),
    }
    assert api_checks(settings, "2027-03-14", graph="v22.0")["LinkedIn API version"][0] == "ok"
    assert api_checks(settings, "2027-03-19", graph="v22.0")["Graph API version"][0] == "ok"
    assert api_checks(settings, "2027-05-21", graph="v22.0") == {
        "Graph API version": ("fail", "v22.0 was retired on 20 May 2027"),
        "LinkedIn API version": ("fail", "202605 was retired on about 15 May 2027"),
    }
    from datetime import date

    fixes = {c.fix for c in doctor.check_api_versions(today=date(2027, 5, 21))}
    assert "Set TIDINGS_GRAPH_API_VERSION to a newer version, after reading its changelog." in fixes


def test_an_api_version_that_is_not_one_fails_and_an_undated_one_says_so(settings) -> None:  # type: ignore[no-untyped-def]
    assert api_checks(settings, "2026-12-01", graph="24", linkedin="2026-05") == {
        "Graph API version": ("fail", "TIDINGS_GRAPH_API_VERSION='24' is not a version"),
        "LinkedIn API version": ("fail", "TIDINGS_LINKEDIN_VERSION='2026-05' is not a version"),
    }
    assert api_checks(settings, "2026-12-01", graph="v26.0")["Graph API version"] == (
        "ok",
        "v26.0: no sunset announced yet",
    )
    assert api_checks(settings, "2026-12-01", graph="v99.0")["Graph API version"] == (
        "warn",
        "v99.0: its sunset is unknown to this release",
    )


def test_the_doctor_runs_the_api_version_checks() -> None:
    assert {"Graph API version", "LinkedIn API version"} <= set(levels())
