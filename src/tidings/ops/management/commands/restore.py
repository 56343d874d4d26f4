from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tidings.core.errors import DomainError
from tidings.ops.restore import restore_backup


class Command(BaseCommand):
    help = (
        "Restore an archive of `tidings backup` into this install's data dir (TIDINGS_DATA_DIR), which must be empty "
        "and not in use; every file is checked against the manifest before anything is placed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The archive to restore.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            restored = restore_backup(Path(str(options["path"])))
        except (DomainError, OSError) as error:
            raise CommandError(getattr(error, "message", None) or str(error)) from None
        manifest = restored.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored a backup of {manifest['created_at']} (Tidings {manifest['versions']['tidings']} on "
                f"{manifest['host']}) into {settings.DATA_DIR}: {len(manifest['files'])} files, checksums verified."
            )
        )
        for note in restored.notes:
            self.stdout.write(self.style.WARNING(note))
