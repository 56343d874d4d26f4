"""The composer's link-tagging choice for the post: as each account is set, these values, or none at all."""

from django.http import QueryDict

from tidings.core.errors import InvalidInput
from tidings.tagging.selectors import PostChoice
from tidings.tagging.services import clean_choice
from tidings.tagging.utm import FIELDS


def posted_choice(data: QueryDict) -> PostChoice:
    """The choice as sent; InvalidInput names what to fix. A form without the fields keeps the default."""
    values = {name: str(data.get(f"utm_{name}", "")) for name in FIELDS}
    return clean_choice(str(data.get("utm_mode", "accounts")), **values)


def preview_choice(data: QueryDict) -> PostChoice:
    """The choice while it is being typed: what cannot be read yet previews as the default."""
    try:
        return posted_choice(data)
    except InvalidInput:
        return PostChoice()
