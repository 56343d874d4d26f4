"""The composer: one screen to write a post (shared text and each account's own), add files, see it as each
network shows it with what it costs, and schedule it, publish it now or keep it as a draft. Any post that has not
gone out opens here again; one that went out (or is going) shows read-only with its outcome."""

from dataclasses import asdict
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tidings.core.errors import DomainError, NotFound
from tidings.credits.models import Balance
from tidings.credits.selectors import available_credits
from tidings.posts.models import Post, TargetStatus
from tidings.posts.services import EDITABLE, get_post, post_status
from tidings.tagging.selectors import tags_by_account
from tidings.tiers.checks import can_generate
from tidings.web.auth import acting
from tidings.web.composer.forms import ComposeForm, media_info, wall_time
from tidings.web.composer.options import valid_options
from tidings.web.composer.preview import build_budget, build_previews, media_items
from tidings.web.composer.submit import ACTIONS, Refusal, create_from, place, save_content, save_media, way_forward
from tidings.web.composer.tagging import preview_choice
from tidings.web.composer.thread import editor_slots, new_files, posted, preview_parts, slots_in
from tidings.web.composer.timing import FIELD, field_value, read_time
from tidings.web.planning.queue import slot_hint
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action, RoleTooLow


def _context(
    request: HttpRequest, workspace: Workspace, form: ComposeForm, *, post: Post | None, refusal: Refusal | None = None
) -> dict[str, object]:
    choices = form.choices()
    chosen = {c.pk for c in choices if c.checked}
    overrides = {
        c.pk: (
            form.data.get(f"override_{c.pk}", "") if form.is_bound else form.initial.get("overrides", {}).get(c.pk, "")
        )
        for c in choices
    }
    # The first post's files; those of the thread's other posts show with them (`thread`).
    media = list(post.media.filter(part=0).order_by("position", "pk")) if post is not None else []
    timing = read_time(workspace, form.data.get("when", "") if form.is_bound else form.initial.get("when", ""))
    return {
        "form": form,
        "post": post,
        "status": post_status(post.targets.values_list("status", flat=True)) if post else "",
        "choices": choices,
        "tabs": [(c, overrides.get(c.pk, ""), c.pk in chosen) for c in choices if not c.blocked or c.pk in chosen],
        "media": media,
        "time_zone": workspace.time_zone,
        "timing": timing,
        "refusal": refusal,
        "draft_reason": post.draft_reason if post is not None and refusal is None else "",
        "in_queue": post is not None and post.targets.filter(status=TargetStatus.SCHEDULED).exists(),
        "available": {
            "credits": available_credits(workspace),
            "video_credits": available_credits(workspace, Balance.VIDEO_CREDITS),
        },
        "generations": can_generate(workspace),
        "action_url": request.path,
        "thread": editor_slots(workspace, post, posted(form.data) if form.is_bound else None),
        "slot": slot_hint(workspace, [c.account for c in choices if c.pk in chosen], post),
    }


def _initial(workspace: Workspace, post: Post) -> dict[str, object]:
    targets = list(post.targets.all())
    return {
        "text": post.text,
        "link": post.link,
        "accounts": [t.account_id for t in targets],
        "overrides": {t.account_id: t.text_override for t in targets},
        "options": {t.account_id: t.options for t in targets},
        "when": field_value(post.scheduled_at, workspace),
        "first_comment": post.first_comment,
    }


def _preset_time(workspace: Workspace, raw: str) -> str:
    """`?at=` from the calendar: an ISO time, local to the workspace when it has no offset."""
    parsed = wall_time(raw)
    if parsed is None:
        return ""
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(workspace.zone).replace(tzinfo=None)
    return parsed.strftime(FIELD)


@login_required
def compose(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    workspace = actor.workspace
    if request.method != "POST":
        initial = {"text": request.GET.get("text", ""), "when": _preset_time(workspace, request.GET.get("at", ""))}
        form = ComposeForm(workspace, initial=initial)
        return render(request, "web/compose.html", _context(request, workspace, form, post=None))
    actor.require(Action.DRAFT)
    form = ComposeForm(workspace, request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "web/compose.html", _context(request, workspace, form, post=None))
    post = create_from(actor, form)
    return _finish(request, actor, post, form, kept="Your post is kept as a draft.")


@login_required
def edit(request: HttpRequest, post_id: int) -> HttpResponse:
    """Any post that has not gone out, in the composer; one that has (or is going) shows how it went."""
    actor = acting(request)
    workspace = actor.workspace
    post = get_post(workspace, post_id)  # NotFound: the 404 page, with the way back to the queue
    if request.method == "POST":
        actor.require(Action.DRAFT)  # a viewer's form is refused before anything in it is read
    statuses = set(post.targets.values_list("status", flat=True))
    if not statuses <= set(EDITABLE):
        if request.method == "POST":
            messages.error(request, "This post has gone out (or is going out), so it cannot change any more.")
        return _outcome(request, post)
    has_media = post.media.exists()
    if request.method != "POST":
        refusal, typed = _kept_refusal(request, post)
        initial = _initial(workspace, post)
        if typed is not None:
            initial["when"] = typed
        form = ComposeForm(workspace, initial=initial, has_media=has_media)
        return render(request, "web/compose.html", _context(request, workspace, form, post=post, refusal=refusal))
    form = ComposeForm(workspace, request.POST, request.FILES, has_media=has_media)
    if not form.is_valid():
        return render(request, "web/compose.html", _context(request, workspace, form, post=post))
    try:
        save_content(actor, post, form)
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        found = way_forward(workspace, refusal, raw_when=form.data.get("when", ""))
        found.kept = "Nothing was changed; your text is still in the composer (add any new files again)."
        return render(request, "web/compose.html", _context(request, workspace, form, post=post, refusal=found))
    kept = "Your changes are saved; the post stays as it was."
    return _finish(request, actor, post, form, kept=kept)


def _finish(request: HttpRequest, actor: Actor, post: Post, form: ComposeForm, *, kept: str) -> HttpResponse:
    """Files first (a refused file keeps the post without it), then the button's action; any refusal is shown on
    the composer, now the post's own page, with everything that was written."""
    raw_when = form.data.get("when", "")
    action = form.data.get("action", "save")
    action = action if action in ACTIONS else "save"
    try:
        save_media(actor, post, form, request.FILES.getlist("attachments"))
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        found = way_forward(actor.workspace, refusal, raw_when=raw_when)
        found.where = "media"
        found.kept = f"Your post is kept as a draft without the files. {kept if 'draft' not in kept else ''}".strip()
        return _again(request, post, found, raw_when)
    try:
        said = place(actor, post, action=action, raw_when=raw_when)
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        found = way_forward(actor.workspace, refusal, raw_when=raw_when)
        post.refresh_from_db()
        if post.targets.filter(status=TargetStatus.SCHEDULED).exists():
            found.kept = "Your changes are saved; the post is still scheduled for its earlier time."
        else:
            found.kept = (
                "Your post is kept as a draft."
                if "draft" in kept
                else "Your changes are saved; the post is kept as a draft."
            )
        return _again(request, post, found, raw_when)
    messages.success(request, said)
    return redirect("queue")


def _again(request: HttpRequest, post: Post, refusal: Refusal, raw_when: str) -> HttpResponse:
    """To the post's own composer page (a reload there never posts twice), which shows the refusal once, with the
    time the user typed."""
    request.session[_refusal_key(post.pk)] = {"refusal": asdict(refusal), "when": raw_when}
    return redirect("post-edit", post_id=post.pk)


def _refusal_key(post_id: int) -> str:
    return f"composer-refusal-{post_id}"


def _kept_refusal(request: HttpRequest, post: Post) -> tuple[Refusal | None, str | None]:
    kept = request.session.pop(_refusal_key(post.pk), None)
    if not isinstance(kept, dict):
        return None, None
    data = kept.get("refusal") or {}
    data["links"] = [tuple(link) for link in data.get("links", [])]
    return Refusal(**data), str(kept.get("when", ""))


def _outcome(request: HttpRequest, post: Post) -> HttpResponse:
    targets = post.targets.select_related("account").prefetch_related("attempt_history").order_by("platform", "pk")
    return render(
        request,
        "web/edit.html",
        {
            "post": post,
            "targets": targets,
            "media": post.media.order_by("position", "pk"),
            "status": post_status(t.status for t in targets),
        },
    )


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The previews, the cost and the time's problems as the composer changes, as an htmx partial."""
    workspace = acting(request).workspace
    data = request.POST
    ids = [int(i) for i in data.getlist("accounts") if i.isdigit()]
    accounts = list(workspace.social_accounts.filter(pk__in=ids).order_by("platform", "pk"))
    media = media_items(workspace, media_info(data.get("media_info", "")))
    text, link = data.get("text", ""), data.get("link", "").strip()
    overrides = {a.pk: data.get(f"override_{a.pk}", "") for a in accounts}
    post = None
    if data.get("post", "").isdigit():
        post = Post.objects.filter(workspace=workspace, pk=int(data["post"])).first()
    timing = read_time(workspace, data.get("when", ""))
    at: datetime | None = timing.at if not timing.problem else None
    thread = preview_parts(workspace, data)
    files = tuple(len(part.media) + new_files(data, slot) for part, slot in zip(thread, slots_in(data), strict=True))
    context = {
        "previews": build_previews(
            accounts,
            text=text,
            link=link,
            overrides=overrides,
            media=media,
            options=valid_options(accounts, data),
            thread=thread,
            thread_files=files,
            first_comment=data.get("first_comment", ""),
            tags=tags_by_account(accounts, preview_choice(data)),
        ),
        "budget": build_budget(workspace, accounts, media=media, at=at, post=post),
        "slot": slot_hint(workspace, accounts, post),
        "timing": timing,
        "time_zone": workspace.time_zone,
        "oob": True,
    }
    return render(request, "web/partials/previews.html", context)
