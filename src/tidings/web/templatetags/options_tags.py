"""The platform options of one account's tab in the composer (and of one platform on the rule form)."""

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("web/composer/options.html")
def account_options(forms: dict[Any, Any], key: Any) -> dict[str, Any]:
    """The options form for `key` (an account id, or a platform on the rule form), or nothing to show."""
    return {"opts": forms.get(key)}
