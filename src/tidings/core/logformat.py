"""One JSON object per log line (TIDINGS_LOG_FORMAT=json), for log shippers that index fields rather than parse text.

Each line has time (UTC, ISO 8601), level, logger and message, and every `extra` field the caller passed, such as
the `publish` dict of the publish path's decision lines.
"""

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

# Django's request and security loggers pass the request object itself as `extra`; its repr holds the full URL with
# its query string, which may carry a secret, so it is left out (the message already names the path).
LEFT_OUT = ("request", "taskName")


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        reserved_attrs=[*RESERVED_ATTRS, *LEFT_OUT],
    )
