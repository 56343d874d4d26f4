"""The monthly renewal at scale: N due Pro workspaces, a tenth of them with a scheduled post holding credits or video
credits, renewed by `renew_due_workspaces`.

    python bench/renewal.py --db postgres --n 1000000
    python bench/renewal.py --db sqlite --n 100000
    python bench/renewal.py all          # both, as a Markdown table (make bench)

The data is made fast: one workspace, post, target and reservation through the product's services, then cloned
with INSERT ... SELECT over a generated series (the timed part is the renewal alone). Afterwards every balance must
equal its ledger's sum, every workspace must have both renewal rows, and pending reservations must be untouched.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.benchdb import PG_ADMIN_URL, fresh_database  # noqa: E402

ANCHOR = datetime(2027, 1, 10, 9, 30, tzinfo=UTC)
NOW = datetime(2027, 2, 10, 10, tzinfo=UTC)


def prepare_environment(db: str) -> dict[str, str]:
    data_dir = Path(tempfile.mkdtemp(prefix="tidings-bench-renewal-"))
    env = {**os.environ, "TIDINGS_DATA_DIR": str(data_dir), "TIDINGS_LOG_LEVEL": "WARNING"}
    return fresh_database(env, db, name=f"tidings_bench_renewal_{os.getpid()}")


def clone(model: Any, template_id: int, source: str, values: dict[str, str], params: list[Any]) -> None:
    """Copy the template row once per row of `source` (a FROM clause naming the template `t`), with `values`
    (column: SQL) replacing the template's columns."""
    from django.db import connection

    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    selected = ", ".join(values.get(c, f't."{c}"') for c in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    table = model._meta.db_table
    # Table, column and SQL fragments are this script's own; no input reaches them.
    sql = f'INSERT INTO "{table}" ({quoted}) SELECT {selected} FROM "{table}" AS t, {source} AND t.id = %s'  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, template_id])


def make_workspaces(n: int) -> None:
    import time_machine
    from django.db import connection, transaction

    from tidings.accounts.services import create_user
    from tidings.core.jsonrows import json_timestamp, timestamp_text
    from tidings.credits.models import CreditLedgerEntry, CreditReservation
    from tidings.platforms.models import Platform
    from tidings.platforms.services import connect_account
    from tidings.posts.models import Post, PostTarget
    from tidings.posts.services import create_post, schedule_post
    from tidings.workspaces.actors import Actor
    from tidings.workspaces.models import Workspace

    with time_machine.travel(ANCHOR, tick=False):
        user = create_user("bench", password=None, tier="pro")
        workspace = Workspace.objects.get(personal_owner=user)
        actor = Actor.system(workspace)
        account = connect_account(
            actor,
            platform=Platform.WEBHOOK,
            external_id="bench",
            handle="bench",
            base_url="https://hooks.example.org/b",
        )
        post = create_post(actor, text="Held over the renewal", account_ids=[account.pk])
        schedule_post(actor, post.pk, at=ANCHOR + timedelta(days=40))
    target = PostTarget.objects.get(post=post)
    reservation = CreditReservation.objects.get(target=target)
    series = "WITH RECURSIVE series(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM series WHERE i < %s) "
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE bench_series (i bigint)")
            cursor.execute(series + "INSERT INTO bench_series SELECT i FROM series", [n - 1])  # noqa: S608
        clone(Workspace, workspace.pk, "bench_series AS s WHERE 1 = 1", {"personal_owner_id": "NULL"}, [])
        others = f'"{Workspace._meta.db_table}" AS w WHERE w.id <> {workspace.pk}'
        for entry in CreditLedgerEntry.objects.filter(workspace=workspace):
            clone(CreditLedgerEntry, entry.pk, others, {"workspace_id": "w.id"}, [])
        clone(Post, post.pk, others + " AND w.id %% 10 = 0", {"workspace_id": "w.id"}, [])
        posts = f'"{Post._meta.db_table}" AS p WHERE p.id <> {post.pk}'
        clone(PostTarget, target.pk, posts, {"post_id": "p.id"}, [])
        targets = (
            f'"{PostTarget._meta.db_table}" AS pt JOIN "{Post._meta.db_table}" AS p ON p.id = pt.post_id '
            f"WHERE pt.id <> {target.pk}"
        )
        # Both balances held: every third held post has a video; one to seven credits each.
        kind = "CASE WHEN pt.id %% 3 = 0 THEN 'video_credits' ELSE 'credits' END"
        clone(
            CreditReservation,
            reservation.pk,
            targets,
            {"workspace_id": "p.workspace_id", "target_id": "pt.id", "amount": "1 + pt.id %% 7", "balance": kind},
            [],
        )
        stamp = json_timestamp(connection, "%s")
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{Workspace._meta.db_table}" SET "credit_cycle_anchor" = {stamp}, '  # noqa: S608
                f'"last_credit_reset" = {stamp}, "next_credit_reset" = {stamp}',
                [timestamp_text(connection, t) for t in (ANCHOR, ANCHOR, NOW - timedelta(minutes=30))],
            )
            cursor.execute("DROP TABLE bench_series")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")


def backend_cpu_seconds() -> float | None:
    """CPU the PostgreSQL backend serving this connection has used (it runs on this machine); None on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check(n: int) -> dict[str, int]:
    """Every balance rebuilds from its ledger; every workspace renewed both balances once; nothing pending moved."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT COUNT(*) FROM "workspaces_workspace" AS w WHERE w."credits" <> (SELECT SUM(l."amount") FROM '
            '"credits_creditledgerentry" AS l WHERE l."workspace_id" = w.id AND l."balance" = \'credits\') '
            'OR w."video_credits" <> (SELECT SUM(l."amount") FROM "credits_creditledgerentry" AS l '
            'WHERE l."workspace_id" = w.id AND l."balance" = \'video_credits\')'
        )
        mismatched = cursor.fetchone()[0]
        cursor.execute('SELECT COUNT(*) FROM "credits_creditledgerentry" WHERE "kind" = \'renewal\'')
        renewals = cursor.fetchone()[0]
        cursor.execute('SELECT COUNT(*) FROM "credits_creditreservation" WHERE "status" = \'pending\'')
        pending = cursor.fetchone()[0]
    assert mismatched == 0, f"{mismatched} balances differ from their ledger"
    assert renewals == 2 * n, f"{renewals} renewal rows for {n} workspaces"
    return {"ledger_mismatches": mismatched, "renewal_rows": renewals, "pending_reservations": pending}


def run(args: argparse.Namespace) -> dict[str, object]:
    env = prepare_environment(args.db)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tidings.settings"
    import django

    django.setup()
    from tidings.credits.renewal import renew_due_workspaces

    began = time.monotonic()
    make_workspaces(args.n)
    made = time.monotonic() - began
    load_before = os.getloadavg()[0]
    cpu_before, database_before = time.process_time(), backend_cpu_seconds()
    began = time.perf_counter()
    renewed = renew_due_workspaces(now=NOW, batch_size=args.chunk)
    seconds = time.perf_counter() - began
    python_cpu = time.process_time() - cpu_before
    database_after = backend_cpu_seconds()
    database_cpu = None if database_after is None or database_before is None else database_after - database_before
    assert renewed == args.n, f"renewed {renewed} of {args.n}"
    result = {
        "db": args.db,
        "n": args.n,
        "chunk": args.chunk,
        "seconds": round(seconds, 2),
        "workspaces_per_second": round(args.n / seconds),
        "python_cpu_seconds": round(python_cpu, 2),
        # The PostgreSQL backend's own CPU (the pool keeps one connection for the whole walk).
        "database_cpu_seconds": None if database_cpu is None else round(database_cpu, 2),
        "setup_seconds": round(made, 1),
        "load_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **check(args.n),
    }
    if args.db == "postgres":
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{env["BENCH_PG_DATABASE"]}" WITH (FORCE)')
    shutil.rmtree(env["TIDINGS_DATA_DIR"], ignore_errors=True)
    return result


def run_all(args: argparse.Namespace) -> None:
    results = []
    for db, n in (("postgres", args.pg_n), ("sqlite", args.sqlite_n)):
        out = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "run", "--db", db, "--n", str(n)], check=True, capture_output=True, text=True
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    columns = ["database", "workspaces", "chunk", "seconds", "workspaces/s", "Python CPU s", "PostgreSQL CPU s", "load"]
    print(f"| {' | '.join(columns)} |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        load = "/".join(str(x) for x in r["load_1min_before_after"])
        print(
            f"| {r['db']} | {r['n']:,} | {r['chunk']} | {r['seconds']} | {r['workspaces_per_second']:,} "
            f"| {r['python_cpu_seconds']} | {r['database_cpu_seconds'] or '-'} | {load} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("run")
    one.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    one.add_argument("--n", type=int, default=100_000)
    one.add_argument("--chunk", type=int, default=1000)
    every = commands.add_parser("all")
    every.add_argument("--pg-n", type=int, default=1_000_000)
    every.add_argument("--sqlite-n", type=int, default=100_000)
    args = parser.parse_args()
    if args.command == "run":
        print(json.dumps(run(args)))
    else:
        run_all(args)


if __name__ == "__main__":
    main()
