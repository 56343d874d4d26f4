"""The `tidings` command: every management command of the project, with the settings already chosen."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidings.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    # `tidings seed-demo` and `tidings send-event` read better than the Django names they map to.
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["tidings", *args])


if __name__ == "__main__":
    main()
