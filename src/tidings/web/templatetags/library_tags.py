"""The composer's Insert menu and its link-tagging choice, each a self-contained piece of the composer page."""

from typing import Any

from django import template

from tidings.library.selectors import hashtag_groups_of, snippets_of
from tidings.posts.models import Post
from tidings.tagging.models import AccountTagging, PostMode
from tidings.tagging.selectors import post_choice
from tidings.tagging.utm import FIELDS
from tidings.web.composer.tagging import preview_choice
from tidings.workspaces.models import Workspace

register = template.Library()


@register.inclusion_tag("web/composer/insert.html")
def insert_menu(workspace: Workspace) -> dict[str, Any]:
    return {"snippets": list(snippets_of(workspace)), "groups": list(hashtag_groups_of(workspace))}


@register.inclusion_tag("web/composer/tagging.html")
def link_tagging(form: Any, post: Post | None) -> dict[str, Any]:
    """The post's choice as sent (a form shown again) or as saved, and the accounts that tag by default."""
    choice = preview_choice(form.data) if form.is_bound else post_choice(post)
    tagged = AccountTagging.objects.filter(account__in=form.shown, enabled=True).select_related("account")
    values = choice.values.as_dict()
    return {
        "mode": choice.mode,
        "modes": PostMode.choices,
        "fields": [(name, values[name]) for name in FIELDS],
        "tagged": [row.account for row in tagged],
    }
