from django.core.management.base import BaseCommand, CommandError, CommandParser

from tidings.ops.doctor import run_checks


class Command(BaseCommand):
    # Django's system checks run inside the doctor as one of its checks: a broken setting is reported, not fatal.
    requires_system_checks: list[str] = []
    help = "Check the configuration (database, DBOS, secrets, AI provider, platforms) and say what to fix."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--web", type=int, default=1, help="Web processes you run (for the connection budget).")
        parser.add_argument("--workers", type=int, default=1, help="Worker processes you run.")

    def handle(self, *args: object, **options: object) -> None:
        checks = run_checks(web=int(str(options["web"])), workers=int(str(options["workers"])))
        style = {"ok": self.style.SUCCESS, "warn": self.style.WARNING, "fail": self.style.ERROR}
        for check in checks:
            self.stdout.write(f"{style[check.level](check.level.upper().rjust(4))}  {check.name}: {check.message}")
            if check.fix:
                self.stdout.write(f"      {'note' if check.level == 'ok' else 'fix'}: {check.fix}")
        failed = [check.name for check in checks if check.level == "fail"]
        if failed:
            raise CommandError(f"{len(failed)} check(s) failed: {', '.join(failed)}.", returncode=1)
        warned = sum(check.level == "warn" for check in checks)
        self.stdout.write(f"All checks passed{f' ({warned} warning(s))' if warned else ''}.")
