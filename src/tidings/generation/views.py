"""Pages for writing with AI: the brief form and its drafts, rewrite and shorten, a live stream, provider settings."""

import json
from collections.abc import Iterator, Sequence

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tidings.core.errors import DomainError
from tidings.generation.config import (
    provider_config,
    remove_provider_config,
    save_provider_config,
    site_config_or_none,
)
from tidings.generation.drafts import Draft
from tidings.generation.forms import GenerateForm, ProviderForm, ReviseForm
from tidings.generation.models import AIProviderConfig
from tidings.generation.services import generate_posts, rewrite_text, shorten_text, stream_generation
from tidings.generation.streaming import GenerationStream
from tidings.platforms.models import AccountStatus, Platform
from tidings.platforms.rules import platform_name, rules_for
from tidings.tiers.checks import can_generate
from tidings.tiers.services import TierLimitReached
from tidings.web.auth import acting
from tidings.workspaces.models import Workspace

# How the stream endpoint answers a refusal before any text: the one place errors become HTTP statuses here.
STATUS = {
    "invalid_input": 400,
    "tier_limit_reached": 429,
    "role_too_low": 403,
    "no_ai_provider": 503,
    "ai_provider_misconfigured": 503,
    "ai_provider_unavailable": 503,
    "ai_provider_auth": 502,
    "ai_provider_error": 502,
}


def connected_platforms(workspace: Workspace) -> list[str]:
    """The platforms the workspace has a connected account on: the only ones a draft is written for."""
    found = set(workspace.social_accounts.filter(status=AccountStatus.ACTIVE).values_list("platform", flat=True))
    return [platform for platform in Platform.values if platform in found]


def brief_form(workspace: Workspace, data: QueryDict | None = None) -> GenerateForm:
    """The brief, offering only connected platforms; a lone one is ticked, none is ticked for the member."""
    platforms = connected_platforms(workspace)
    initial = {"platforms": platforms} if len(platforms) == 1 else {}
    form = GenerateForm(data, initial=initial) if data is not None else GenerateForm(initial=initial)
    field = form.fields["platforms"]
    assert isinstance(field, forms.MultipleChoiceField)
    field.choices = [(p, platform_name(p)) for p in platforms]
    field.error_messages["invalid_choice"] = "Connect an account on %(value)s first: drafts are written for yours."
    return form


def _item(draft: Draft) -> dict[str, object]:
    return {"draft": draft, "label": platform_name(draft.platform), "limit": rules_for(draft.platform).max_length}


def _page(request: HttpRequest, *, drafts: Sequence[Draft] = (), **context: object) -> HttpResponse:
    workspace = acting(request).workspace
    try:
        config, provider_problem = provider_config(workspace), ""
    except DomainError as error:
        config, provider_problem = None, error.message
    return render(
        request,
        "generation/generate.html",
        {
            "form": brief_form(workspace),
            "provider": config,
            "provider_problem": provider_problem,
            "decision": can_generate(workspace),
            "platforms": connected_platforms(workspace),
            "drafts": [_item(d) for d in drafts],
            "several": any(d.variant > 1 for d in drafts),
            **context,
        },
    )


def _explain(error: DomainError, *, needed: int = 1) -> str:
    if isinstance(error, TierLimitReached) and needed > 1:
        return f"{error.message} This request needs {needed} (one per draft)."
    return error.message


@login_required
@require_http_methods(["GET", "POST"])
def generate(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    form = brief_form(acting(request).workspace, request.POST)
    if not form.is_valid():
        return _page(request, form=form)
    platforms, variants = form.cleaned_data["platforms"], form.cleaned_data["variants"]
    try:
        drafts = generate_posts(acting(request), brief=form.brief(), platforms=platforms, variants=variants)
    except DomainError as error:
        return _page(request, form=form, error=_explain(error, needed=len(platforms) * variants))
    return _page(request, form=form, drafts=drafts)


@login_required
@require_POST
def revise(request: HttpRequest) -> HttpResponse:
    """One draft rewritten or shortened. From the page (htmx) only that draft's card changes, so the brief and the
    other drafts stay; without htmx the page shows the new draft."""
    form = ReviseForm(request.POST)
    if not form.is_valid():
        return _revised(request, error="Nothing to rewrite: the text or the platform is missing.")
    data = form.cleaned_data
    try:
        if data["action"] == "shorten":
            draft = shorten_text(acting(request), text=data["text"], platform=data["platform"])
        else:
            draft = rewrite_text(
                acting(request), text=data["text"], instruction=data["instruction"], platform=data["platform"]
            )
    except DomainError as error:
        return _revised(request, error=error.message, text=data["text"], platform=data["platform"])
    if getattr(request, "htmx", False):
        return render(request, "generation/draft.html", {"item": _item(draft), "several": False})
    return _page(request, drafts=[draft])


def _revised(request: HttpRequest, *, error: str, text: str = "", platform: str = "") -> HttpResponse:
    """A refused rewrite: on the page, the draft stays as it was with the reason under it."""
    if not getattr(request, "htmx", False) or not platform:
        return _page(request, error=error)
    draft = Draft(platform=platform, text=text, parts=(text,))
    return render(request, "generation/draft.html", {"item": _item(draft), "several": False, "error": error})


@login_required
@require_POST
def stream(request: HttpRequest) -> HttpResponseBase:
    """One platform's draft as server-sent events: text chunks, then `done` with the draft, or `error`."""
    form = brief_form(acting(request).workspace, request.POST)
    if not form.is_valid():
        return JsonResponse({"code": "invalid_input", "message": "Check the brief.", "errors": form.errors}, status=400)
    if len(form.cleaned_data["platforms"]) != 1:
        message = "Live writing is for one platform at a time: choose exactly one."
        return JsonResponse({"code": "invalid_input", "message": message, "field": "platforms"}, status=400)
    try:
        generation = stream_generation(acting(request), brief=form.brief(), platform=form.cleaned_data["platforms"][0])
        # Wait for the first words, so that a wrong key or a provider that is down is an HTTP error, not a stream.
        chunks = iter(generation)
        first = next(chunks, "")
    except DomainError as error:
        return JsonResponse(error.as_dict(), status=STATUS.get(error.code, 400))
    response = StreamingHttpResponse(_events(generation, first, chunks), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass chunks on as they come
    return response


def _events(generation: GenerationStream, first: str, chunks: Iterator[str]) -> Iterator[str]:
    try:
        if first:
            yield f"data: {json.dumps(first)}\n\n"
        for chunk in chunks:
            yield f"data: {json.dumps(chunk)}\n\n"
    except DomainError as error:
        yield f"event: error\ndata: {json.dumps(error.as_dict())}\n\n"
        return
    finally:
        generation.close()
    if generation.draft is not None:
        yield f"event: done\ndata: {json.dumps(generation.draft.as_dict())}\n\n"


@login_required
@require_http_methods(["GET", "POST"])
def provider_settings(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    stored = AIProviderConfig.objects.filter(workspace=actor.workspace).first()
    error = ""
    if request.method == "POST" and request.POST.get("remove"):
        try:
            remove_provider_config(actor)
        except DomainError as refusal:
            return _page(request, error=refusal.message)
        return redirect("generate")
    if request.method == "POST":
        form = ProviderForm(request.POST)
        if form.is_valid():
            try:
                save_provider_config(actor, **form.cleaned_data)
            except DomainError as refusal:
                error = refusal.message
            else:
                return redirect("generate")
    else:
        initial = {"kind": stored.kind, "base_url": stored.base_url, "model": stored.model} if stored else {}
        form = ProviderForm(initial=initial)
    context = {
        "form": form,
        "stored": stored,
        "has_key": bool(stored and stored.api_key),
        "site": site_config_or_none(),
        "error": error,
        "section": "ai",
    }
    return render(request, "generation/provider.html", context)
