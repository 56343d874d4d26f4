import logging

from django.core.management.base import BaseCommand, CommandParser
from waitress import serve


class Command(BaseCommand):
    help = "Serve the web UI and API with a threaded WSGI server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: object, **options: object) -> None:
        host, port = str(options["host"]), int(str(options["port"]))
        logging.getLogger("waitress").setLevel(logging.INFO)
        from tidings.wsgi import application

        self.stdout.write(f"Tidings is serving on http://{host}:{port}/ (Ctrl+C stops it)")
        serve(application, host=host, port=port, threads=int(str(options["threads"])))
