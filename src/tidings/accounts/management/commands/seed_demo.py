import os
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tidings.accounts.demo import DEMO_USERS, seed_demo
from tidings.core.local_secrets import read_or_create


class Command(BaseCommand):
    help = (
        "Create one demo user per plan with demo accounts, posts in every state and notifications (idempotent); "
        "prints their password. Demo accounts never publish anywhere."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("TIDINGS_DEMO_PASSWORD"),
            help="Password for the demo users; default: one made for this install and kept in the data dir.",
        )

    def handle(self, *args: object, **options: object) -> None:
        password = str(
            options["password"] or read_or_create(settings.DATA_DIR / "demo_password", lambda: secrets.token_urlsafe(9))
        )
        report = seed_demo(password=password)
        for name in report.created:
            self.stdout.write(f"created {name}")
        for name in report.kept:
            self.stdout.write(f"kept {name}")
        self.stdout.write(self.style.SUCCESS(f"Demo users {', '.join(DEMO_USERS)} have the password: {password}"))
