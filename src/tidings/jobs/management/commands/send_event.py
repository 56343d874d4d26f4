import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tidings.core.errors import DomainError
from tidings.jobs.events import EVENTS, send


class Command(BaseCommand):
    help = "Start a job by its event name, e.g. tidings send-event credits/check.low --data '{\"workspace_id\": 1}'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=sorted(EVENTS))
        parser.add_argument("--data", default="{}", help="A JSON object with the event's data.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            data = json.loads(str(options["data"]))
        except json.JSONDecodeError as error:
            raise CommandError(f"--data is not valid JSON: {error}") from None
        if not isinstance(data, dict):
            raise CommandError("--data must be a JSON object.")
        try:
            workflow_id = send(str(options["name"]), data)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(workflow_id)
