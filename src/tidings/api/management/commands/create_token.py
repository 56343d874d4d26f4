from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tidings.accounts.models import User
from tidings.api.scopes import SCOPES
from tidings.api.services import create_token
from tidings.core.errors import DomainError
from tidings.workspaces.services import acting_alone


class Command(BaseCommand):
    help = (
        "Create an API token acting in the user's own workspace and print its secret (shown this once), e.g. "
        "tidings create-token alice --name scheduler --scope posts:read --scope posts:write."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What uses the token.")
        parser.add_argument(
            "--scope", action="append", dest="scopes", default=[], help=f"Repeat for each: {', '.join(SCOPES)}."
        )
        parser.add_argument("--expires-days", type=int, default=None, help="Days until it expires (default: never).")

    def handle(self, *args: object, **options: object) -> None:
        username = str(options["username"])
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        days = options["expires_days"]
        if days is not None and (not isinstance(days, int) or days < 1):
            raise CommandError("--expires-days must be 1 or more.")
        scopes = options["scopes"]
        assert isinstance(scopes, list)
        try:
            token, secret = create_token(
                acting_alone(user),
                name=str(options["name"]),
                scopes=scopes,
                expires_at=timezone.now() + timedelta(days=days) if isinstance(days, int) else None,
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stderr.write(f"Token {token.name!r} for {username} ({', '.join(token.scopes)}). Shown this once:")
        self.stdout.write(secret)
