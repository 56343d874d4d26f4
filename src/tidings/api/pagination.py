"""Limit/offset pages: `{"items", "count", "limit", "offset"}`, at most 100 items a page."""

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from tidings.api.schemas import PageQuery

M = TypeVar("M", bound=Model)


def paginate(items: QuerySet[M], page: PageQuery, convert: Callable[[M], Any]) -> dict[str, Any]:
    rows = items[page.offset : page.offset + page.limit]
    return {
        "items": [convert(row) for row in rows],
        "count": items.count(),
        "limit": page.limit,
        "offset": page.offset,
    }
