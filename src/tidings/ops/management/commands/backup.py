from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tidings.core.errors import DomainError
from tidings.ops.backup import create_backup


class Command(BaseCommand):
    help = (
        "Write one archive (.tar.gz) of the databases (SQLite; on PostgreSQL use pg_dump), uploaded media and the "
        "secrets generated into the data dir, with a manifest; safe while Tidings runs. PATH is a file name, or a "
        "directory to put a dated archive in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Where to write: a file name, or a directory for a dated archive.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            made = create_backup(Path(str(options["path"])))
        except (DomainError, OSError) as error:
            raise CommandError(getattr(error, "message", None) or str(error)) from None
        manifest = made.manifest
        counts = manifest["counts"]
        size = made.path.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {made.path} ({size / 1e6:.1f} MB, {len(manifest['files'])} files).")
        )
        self.stdout.write(
            f"  {counts['accounts.User']} users, {counts['credits.CreditLedgerEntry']} ledger entries, "
            f"{counts['posts.PostTarget']} post targets, {manifest['media'].get('files', 0)} media files; secrets: "
            + ", ".join(
                f"{name} ({'archived' if info['archived'] else 'from ' + info['from'] + ', not archived'})"
                for name, info in manifest["secrets"].items()
            )
        )
        for note in made.notes:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write("It holds the keys to every connected account: keep it off this machine, and private.")
