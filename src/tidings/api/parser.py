from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser


class JsonObjectParser(Parser):
    """Request bodies are JSON objects. Ninja would read `[]`, `5` or `"x"` as an empty object; refuse them."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("The request body must be a JSON object.")
        return data
