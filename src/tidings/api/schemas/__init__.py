"""Shared input types and output shapes: ids, text without NUL bytes, links, pages and the error body. Each
area's request and response schemas are in the module of the same name (`schemas/posts.py`, ...)."""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

# Ids are 64-bit in the database; anything larger can only be a mistake, refused before it reaches a query.
MAX_ID = 2**63 - 1
MAX_OFFSET = 1_000_000
MAX_TEXT = 20_000

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# PostgreSQL text cannot hold NUL bytes; no honest input needs them.
NO_NUL = r"^[^\x00]*$"


Text = Annotated[str, Field(max_length=MAX_TEXT, pattern=NO_NUL)]


def _check_link(value: str) -> str:
    value = value.strip()
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise ValueError("must be a full http:// or https:// address") from None
    return value


Link = Annotated[str, Field(max_length=2000, pattern=NO_NUL), AfterValidator(_check_link)]


class Input(Schema):
    """A request body: a field the API does not know is refused, naming it, rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    model_config = ConfigDict(extra="allow")
    code: str = Field(description="Stable machine-readable code, e.g. invalid_input, tier_limit_reached.")
    message: str = Field(description="Safe to show to a person.")
    field: str | None = Field(None, description="The input at fault, for invalid_input.")


class ErrorOut(Schema):
    error: ErrorDetail


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


class PageQuery(Schema):
    limit: int = Field(20, ge=1, le=100, description="Items per page (at most 100).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")


class CountOut(Schema):
    changed: int
