"""The library page (snippets and hashtag groups, with a form to add each), and each item's page to change or
delete it. The composer's Insert menu puts them in a post."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from tidings.core.errors import DomainError, NotFound
from tidings.library import services
from tidings.library.models import HashtagGroup, Snippet
from tidings.library.selectors import get_hashtag_group, get_snippet, hashtag_groups_of, snippets_of
from tidings.web.auth import acting
from tidings.web.errors import show_on_form
from tidings.web.library.forms import HashtagGroupForm, SnippetForm
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action, RoleTooLow


def _page(
    request: HttpRequest, actor: Actor, *, snippet_form: Form | None = None, group_form: Form | None = None
) -> HttpResponse:
    context = {
        "snippets": snippets_of(actor.workspace).select_related("author"),
        "groups": hashtag_groups_of(actor.workspace).select_related("author"),
        "snippet_form": snippet_form or SnippetForm(),
        "group_form": group_form or HashtagGroupForm(),
        "may_write": actor.may(Action.DRAFT),
    }
    return render(request, "web/library.html", context, status=400 if snippet_form or group_form else 200)


@login_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    return _page(request, acting(request))


@login_required
@require_POST
def new_snippet(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    actor.require(Action.DRAFT)  # before the form is read
    form = SnippetForm(request.POST)
    if form.is_valid():
        try:
            snippet = services.create_snippet(actor, **form.cleaned_data)
        except (RoleTooLow, NotFound):
            raise
        except DomainError as refusal:
            show_on_form(form, refusal)
        else:
            messages.success(request, f"Snippet “{snippet.name}” saved.")
            return redirect(reverse("library") + "#snippets")
    return _page(request, actor, snippet_form=form)


@login_required
@require_POST
def new_group(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    actor.require(Action.DRAFT)
    form = HashtagGroupForm(request.POST)
    if form.is_valid():
        try:
            group = services.create_hashtag_group(
                actor, name=form.cleaned_data["name"], hashtags=[form.cleaned_data["hashtags"]]
            )
        except (RoleTooLow, NotFound):
            raise
        except DomainError as refusal:
            show_on_form(form, refusal)
        else:
            messages.success(request, f"Hashtag group “{group.name}” saved.")
            return redirect(reverse("library") + "#hashtags")
    return _page(request, actor, group_form=form)


def _edit_page(request: HttpRequest, item: Snippet | HashtagGroup, form: Form, actor: Actor) -> HttpResponse:
    kind = "snippet" if isinstance(item, Snippet) else "hashtag group"
    may_change = actor.may(Action.DRAFT) and (
        actor.may(Action.APPROVE) or (actor.user is not None and item.author_id == actor.user.pk)
    )
    context = {"item": item, "form": form, "kind": kind, "may_change": may_change}
    return render(request, "web/library/edit.html", context, status=400 if form.is_bound else 200)


@login_required
def edit_snippet(request: HttpRequest, snippet_id: int) -> HttpResponse:
    actor = acting(request)
    snippet = get_snippet(actor.workspace, snippet_id)  # NotFound: the 404 page
    if request.method != "POST":
        return _edit_page(request, snippet, SnippetForm(initial={"name": snippet.name, "text": snippet.text}), actor)
    actor.require(Action.DRAFT)
    form = SnippetForm(request.POST)
    if form.is_valid():
        try:
            services.update_snippet(actor, snippet.pk, **form.cleaned_data)
        except (RoleTooLow, NotFound):
            raise
        except DomainError as refusal:
            show_on_form(form, refusal)
        else:
            messages.success(request, "Snippet saved.")
            return redirect(reverse("library") + "#snippets")
    return _edit_page(request, snippet, form, actor)


@login_required
def edit_group(request: HttpRequest, group_id: int) -> HttpResponse:
    actor = acting(request)
    group = get_hashtag_group(actor.workspace, group_id)
    if request.method != "POST":
        initial = {"name": group.name, "hashtags": group.text}
        return _edit_page(request, group, HashtagGroupForm(initial=initial), actor)
    actor.require(Action.DRAFT)
    form = HashtagGroupForm(request.POST)
    if form.is_valid():
        try:
            services.update_hashtag_group(
                actor, group.pk, name=form.cleaned_data["name"], hashtags=[form.cleaned_data["hashtags"]]
            )
        except (RoleTooLow, NotFound):
            raise
        except DomainError as refusal:
            show_on_form(form, refusal)
        else:
            messages.success(request, "Hashtag group saved.")
            return redirect(reverse("library") + "#hashtags")
    return _edit_page(request, group, form, actor)


@login_required
@require_POST
def delete_snippet(request: HttpRequest, snippet_id: int) -> HttpResponse:
    services.delete_snippet(acting(request), snippet_id)  # RoleTooLow and NotFound become their pages
    messages.success(request, "Snippet deleted.")
    return redirect(reverse("library") + "#snippets")


@login_required
@require_POST
def delete_group(request: HttpRequest, group_id: int) -> HttpResponse:
    services.delete_hashtag_group(acting(request), group_id)
    messages.success(request, "Hashtag group deleted.")
    return redirect(reverse("library") + "#hashtags")


# Mounted at / by tidings.web.urls.
urls = [
    path("library/", library, name="library"),
    path("library/snippets/new/", new_snippet, name="snippet-new"),
    path("library/snippets/<int:snippet_id>/", edit_snippet, name="snippet-edit"),
    path("library/snippets/<int:snippet_id>/delete/", delete_snippet, name="snippet-delete"),
    path("library/hashtags/new/", new_group, name="hashtag-group-new"),
    path("library/hashtags/<int:group_id>/", edit_group, name="hashtag-group-edit"),
    path("library/hashtags/<int:group_id>/delete/", delete_group, name="hashtag-group-delete"),
]
