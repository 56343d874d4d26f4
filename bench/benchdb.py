"""A database of its own for one benchmark run: a new PostgreSQL database (dropped first if a crashed run left it)
or the SQLite file in the run's data directory, migrated."""

import os
import subprocess
import sys

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def fresh_database(env: dict[str, str], db: str, *, name: str) -> dict[str, str]:
    """`env` pointed at a new, migrated database called `name` (PostgreSQL) or at its data directory's SQLite."""
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        env["BENCH_PG_DATABASE"] = name
    else:
        env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "tidings", "migrate", "-v0"], env=env, check=True)
    return env
