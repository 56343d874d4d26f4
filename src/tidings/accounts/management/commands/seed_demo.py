import os
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tidings.accounts.models import User
from tidings.accounts.services import change_tier, create_user
from tidings.core.local_secrets import read_or_create
from tidings.tiers.plans import Tier

DEMO_USERS = {"demo-free": Tier.FREE, "demo-pro": Tier.PRO, "demo-business": Tier.BUSINESS}


class Command(BaseCommand):
    help = "Create one demo user per plan (idempotent); prints their password."

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
        for username, tier in DEMO_USERS.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                create_user(username, password=password, tier=tier, is_demo=True)
                self.stdout.write(f"created {username} ({tier.value})")
            else:
                if user.tier != tier:
                    change_tier(user, tier=tier)
                user.set_password(password)
                user.is_demo = True
                user.save(update_fields=["password", "is_demo"])
                self.stdout.write(f"kept {username} ({tier.value})")
        self.stdout.write(self.style.SUCCESS(f"Demo users {', '.join(DEMO_USERS)} have the password: {password}"))
