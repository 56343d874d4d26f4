"""The composer: write, preview per platform, pick accounts, then save a draft, schedule, or publish now."""

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from tidings.accounts.models import User
from tidings.accounts.timezones import local_to_utc
from tidings.core.errors import DomainError, InvalidInput
from tidings.credits.models import Balance
from tidings.credits.selectors import available_credits
from tidings.generation.brief import Brief
from tidings.generation.services import generate_posts
from tidings.platforms.base import Content
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.platforms.registry import connector_for
from tidings.platforms.rules import platform_name, rules_for, text_length
from tidings.posts.media import attach_media
from tidings.posts.services import create_post, get_post, schedule_post, update_post
from tidings.tiers.checks import accounts_over_plan, over_plan_reason
from tidings.web.auth import signed_in

# "Publish now" goes through the queue like any post: the dispatcher picks it up within seconds.
NOW_DELAY = timedelta(seconds=5)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked as a file here and by its content in `attach_media`."""

    def clean(self, data: object, initial: object = None) -> object:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


class AccountCheckboxes(forms.CheckboxSelectMultiple):
    """The user's accounts; one beyond the plan's count is listed, marked, and cannot be ticked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.over_plan: set[int] = set()

    def create_option(self, name: str, value: Any, label: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, label, *args, **kwargs)
        if getattr(value, "value", value) in self.over_plan:
            option["attrs"]["disabled"] = True
            option["label"] = f"{label} (over your plan)"
        return option


class ComposeForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)
    link = forms.URLField(required=False, assume_scheme="https")
    accounts = forms.ModelMultipleChoiceField(queryset=SocialAccount.objects.none(), widget=AccountCheckboxes)
    attachments = MultipleFileField(
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif,video/mp4,video/quicktime"}
        ),
        help_text="Images or a video.",
    )
    alt_text = forms.CharField(required=False, max_length=1500, label="Image description (alt text)")
    # Parsed by us, not by a DateTimeField: a wall-clock time that DST skips or repeats gets our clear refusal.
    when = forms.CharField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, user: User, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["accounts"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = SocialAccount.objects.filter(user=user, status=AccountStatus.ACTIVE).order_by("platform")
        over = accounts_over_plan(user)
        assert isinstance(field.widget, AccountCheckboxes)
        field.widget.over_plan = over
        # Why each marked account cannot be chosen, shown under the list.
        self.over_plan_notes = [
            f"{account}: {over_plan_reason(user, account.platform)}" for account in field.queryset if account.pk in over
        ]
        self._over_plan = over

    def clean_accounts(self) -> Any:
        accounts = self.cleaned_data["accounts"]
        refused = [str(account) for account in accounts if account.pk in self._over_plan]
        if refused:
            raise forms.ValidationError(
                f"{', '.join(refused)} {'is' if len(refused) == 1 else 'are'} over your plan; choose another account."
            )
        return accounts


@login_required
def edit(request: HttpRequest, post_id: int) -> HttpResponse:
    """Change a draft's or a scheduled post's text, link and accounts; a scheduled post keeps its time."""
    user = signed_in(request)
    try:
        post = get_post(user, post_id)
    except DomainError as missing:
        messages.error(request, missing.message)
        return redirect("queue")
    initial = {
        "text": post.text,
        "link": post.link,
        "accounts": list(post.targets.values_list("account_id", flat=True)),
    }
    form = ComposeForm(user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_post(
                user, post.pk, text=data["text"], link=data["link"], account_ids=[a.pk for a in data["accounts"]]
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Saved.")
            return redirect("queue")
    return render(request, "web/edit.html", {"form": form, "post": post, "time_zone": user.time_zone})


@login_required
def compose(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = ComposeForm(user, request.POST or None, request.FILES or None, initial={"text": request.GET.get("text", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        post = create_post(user, text=data["text"], account_ids=[a.pk for a in data["accounts"]], link=data["link"])
        uploads = request.FILES.getlist("attachments")
        if uploads:
            try:
                attach_media(user, post.pk, uploads=uploads, alt_text=data["alt_text"])
            except DomainError as refusal:
                messages.error(request, f"{refusal.message} Your post is kept as a draft without the files.")
                return redirect("queue")
        action = request.POST.get("action", "draft")
        if action == "draft":
            messages.success(request, "Saved as a draft.")
            return redirect("queue")
        try:
            at = timezone.now() + NOW_DELAY if action == "now" else _when(user, data["when"])
            schedule_post(user, post.pk, at=at)
        except DomainError as refusal:
            messages.error(request, f"{refusal.message} Your post is kept as a draft.")
            return redirect("queue")
        messages.success(request, "Publishing now." if action == "now" else "Scheduled.")
        return redirect("queue")
    costs = {"credits": available_credits(user), "video_credits": available_credits(user, Balance.VIDEO_CREDITS)}
    return render(request, "web/compose.html", {"form": form, "time_zone": user.time_zone, "available": costs})


def _when(user: User, raw: str) -> datetime:
    try:
        local = datetime.strptime(raw.strip(), "%Y-%m-%dT%H:%M")  # noqa: DTZ007 - wall-clock time, zoned below
    except ValueError:
        raise InvalidInput("Pick a date and time to schedule the post.", field="when") from None
    return local_to_utc(local, user.time_zone, field="when")


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Live counts and rule problems per chosen platform, rendered as an htmx partial."""
    user = signed_in(request)
    text = request.POST.get("text", "")
    ids = [int(i) for i in request.POST.getlist("accounts") if i.isdigit()]
    content = Content(text=text, link=request.POST.get("link", ""))
    previews = []
    # The connector's own rules, as at scheduling and at publish time (media is checked once uploaded).
    for account in SocialAccount.objects.filter(user=user, pk__in=ids).order_by("platform", "pk"):
        connector = connector_for(account.platform)
        problems = (
            connector.validate(account, content)
            if connector
            else [f"Publishing to {platform_name(account.platform)} is not available on this server."]
        )
        previews.append(
            {
                "name": f"{platform_name(account.platform)} · {account.handle}",
                "length": text_length(account.platform, text),
                "limit": rules_for(account.platform).max_length,
                "problems": problems,
            }
        )
    return render(request, "web/partials/previews.html", {"previews": previews, "text": text})


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    """Drafts from the user's AI provider for the chosen accounts' platforms, shown next to the composer."""
    user = signed_in(request)
    ids = [int(i) for i in request.POST.getlist("accounts") if i.isdigit()]
    platforms = sorted(set(SocialAccount.objects.filter(user=user, pk__in=ids).values_list("platform", flat=True)))
    brief = Brief(
        topic=request.POST.get("topic", ""),
        tone=request.POST.get("tone", ""),
        link=request.POST.get("link", ""),
    )
    try:
        if not platforms:
            raise InvalidInput("Choose the accounts first: each platform gets a draft that fits it.", field="accounts")
        drafts = generate_posts(user, brief=brief, platforms=platforms)
    except DomainError as refusal:
        return render(request, "web/partials/drafts.html", {"refusal": refusal.message})
    named = [{"name": platform_name(d.platform), "text": d.text, "problems": d.problems} for d in drafts]
    return render(request, "web/partials/drafts.html", {"drafts": named})


# Mounted at / by tidings.web.urls.
urls = [
    path("compose/", compose, name="compose"),
    path("compose/preview/", preview, name="compose-preview"),
    path("posts/<int:post_id>/edit/", edit, name="post-edit"),
    path("compose/generate/", generate, name="compose-generate"),
]
