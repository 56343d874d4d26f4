import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tidings.core import data_dir
from tidings.jobs import runtime


class Command(BaseCommand):
    help = "Run a worker: executes due posts and the scheduled jobs. Give each worker its own stable executor id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--executor-id",
            default=runtime.default_executor_id("worker"),
            help="Unique and stable per worker slot (e.g. host-1); a restart with the same id resumes its work.",
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            data_dir.hold_shared(settings.DATA_DIR)  # `tidings restore` refuses a data dir in use
        except data_dir.DataDirInUse as error:
            raise CommandError(error.message) from None
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        runtime.launch(str(options["executor_id"]))
        self.stdout.write(f"Worker {options['executor_id']} is running (Ctrl+C stops it).")
        self.stdout.flush()
        stop.wait()
        runtime.shutdown()
