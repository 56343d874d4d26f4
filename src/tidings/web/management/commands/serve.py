import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from waitress import serve

from tidings.core import data_dir
from tidings.jobs import runtime


class Command(BaseCommand):
    help = "The embedded default: the web UI and API, and a worker for due posts and jobs, in one process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--executor-id",
            default=runtime.default_executor_id("serve"),
            help="Stable id of this process's worker; a restart with the same id resumes unfinished posts.",
        )
        parser.add_argument("--no-worker", action="store_true", help="Web only (scale-out: run `tidings worker`).")

    def handle(self, *args: object, **options: object) -> None:
        host, port = str(options["host"]), int(str(options["port"]))
        try:
            data_dir.hold_shared(settings.DATA_DIR)  # `tidings restore` refuses a data dir in use
        except data_dir.DataDirInUse as error:
            raise CommandError(error.message) from None
        logging.getLogger("waitress").setLevel(logging.INFO)
        from tidings.wsgi import application

        if not options["no_worker"]:
            runtime.launch(str(options["executor_id"]))
        self.stdout.write(f"Tidings is serving on http://{host}:{port}/ (Ctrl+C stops it)")
        try:
            serve(application, host=host, port=port, threads=int(str(options["threads"])))
        finally:
            runtime.shutdown()
