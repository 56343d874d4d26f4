"""What the composer sends: the shared text, each account's own text, the link, the accounts, the files with their
order and descriptions, and the time. Parsed here; the services check again and own the rules."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django import forms
from django.http import QueryDict

from tidings.core.errors import InvalidInput
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.platforms.rules import platform_name
from tidings.tagging.selectors import PostChoice
from tidings.tiers.checks import accounts_over_plan, over_plan_reason
from tidings.web.composer.options import account_forms, first_problem
from tidings.web.composer.tagging import posted_choice
from tidings.workspaces.models import Workspace

ACCEPT = "image/jpeg,image/png,image/webp,image/gif,video/mp4,video/quicktime,video/webm,application/pdf,.pdf"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked as a file here and by its content in `attach_media`."""

    def clean(self, data: object, initial: object = None) -> object:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


@dataclass(frozen=True)
class AccountChoice:
    """One account as the composer shows it: its avatar toggle, and why it cannot be chosen when it cannot."""

    account: SocialAccount
    checked: bool
    blocked: str = ""
    over: bool = False

    @property
    def pk(self) -> int:
        return self.account.pk

    @property
    def platform(self) -> str:
        return self.account.platform

    @property
    def label(self) -> str:
        return platform_name(self.account.platform)

    @property
    def initial(self) -> str:
        name = (self.account.display_name or self.account.handle).lstrip("@") or "?"
        return name[0].upper()


@dataclass
class MediaPlan:
    """What happens to the files: stored ones taken off, new ones added, then all put in order and described."""

    order: list[str] = field(default_factory=list)  # "s<asset id>" for a stored file, "n<index>" for a new one
    remove: list[int] = field(default_factory=list)
    stored_alt: dict[int, str] = field(default_factory=dict)
    new_alt: list[str] = field(default_factory=list)


class ComposeForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 7}), max_length=20_000, required=False, strip=False)
    link = forms.URLField(required=False, assume_scheme="https", max_length=2000)
    accounts = forms.ModelMultipleChoiceField(
        queryset=SocialAccount.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one account to post to."},
    )
    attachments = MultipleFileField(required=False, widget=MultipleFileInput(attrs={"accept": ACCEPT}))
    # One description for every new file, for a browser without the composer's script; each file's own wins.
    alt_text = forms.CharField(required=False, max_length=1500, label="Image description (alt text)")
    # Posted under the first post once it is out (see `tidings.platforms.connectors.thread`).
    first_comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000, required=False)
    # Parsed by the view, not by a DateTimeField: a wall-clock time that DST skips or repeats gets a clear refusal.
    when = forms.CharField(required=False, max_length=40)

    def __init__(self, workspace: Workspace, *args: Any, has_media: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.has_media = has_media
        field = self.fields["accounts"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = SocialAccount.objects.filter(workspace=workspace, status=AccountStatus.ACTIVE).order_by(
            "platform", "pk"
        )
        self.shown = list(
            SocialAccount.objects.filter(workspace=workspace)
            .exclude(status=AccountStatus.DISCONNECTED)
            .order_by("platform", "created_at", "pk")
        )
        self.over_plan = accounts_over_plan(workspace)
        # Each account's platform options, from its tab (`options.py`); a post's own when it opens for editing.
        data = self.data if self.is_bound else None
        self.option_forms = account_forms(self.shown, data=data, stored=self.initial.get("options"))

    def blocked_reason(self, account: SocialAccount) -> str:
        if account.pk in self.over_plan:
            return over_plan_reason(self.workspace, account.platform)
        if account.status != AccountStatus.ACTIVE:
            why = account.status_reason or account.get_status_display()
            return f"Reconnect it to post here ({why})."
        return ""

    def choices(self) -> list[AccountChoice]:
        """Every connected account, ticked as submitted (or as the post has them); a lone usable one is ticked."""
        if self.is_bound:
            assert isinstance(self.data, QueryDict)
            chosen = {int(v) for v in self.data.getlist("accounts") if str(v).isdigit()}
        else:
            chosen = {int(v) for v in self.initial.get("accounts", [])}
        usable = [a for a in self.shown if not self.blocked_reason(a)]
        if not self.is_bound and not chosen and len(usable) == 1:
            chosen = {usable[0].pk}
        return [AccountChoice(a, a.pk in chosen, self.blocked_reason(a), a.pk in self.over_plan) for a in self.shown]

    def clean_accounts(self) -> Any:
        accounts = self.cleaned_data["accounts"]
        refused = [str(account) for account in accounts if account.pk in self.over_plan]
        if refused:
            raise forms.ValidationError(
                f"{', '.join(refused)} {'is' if len(refused) == 1 else 'are'} over your plan; choose another account."
            )
        return accounts

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uploads = self.files.getlist("attachments") if self.files else []
        if not (data.get("text") or "").strip() and not uploads and not self.has_media:
            self.add_error("text", "Write something, or add an image or a video.")
        try:
            self.tagging: PostChoice = posted_choice(self.data)  # type: ignore[arg-type]
        except InvalidInput as refusal:
            self.add_error(None, refusal.message)
        for account in data.get("accounts") or []:
            options = self.option_forms.get(account.pk)
            if options is not None and not options.is_valid():
                self.add_error(None, f"Check the options for {account}: {first_problem(options)}")
        return data

    def options(self) -> dict[int, dict[str, Any]]:
        """Each chosen account's platform options, from its tab."""
        accounts = self.cleaned_data.get("accounts") or []
        return {a.pk: self.option_forms[a.pk].options() for a in accounts if a.pk in self.option_forms}

    def overrides(self) -> dict[int, str]:
        """Each chosen account's own text, from its tab (blank: the shared text)."""
        accounts = self.cleaned_data.get("accounts") or []
        return {a.pk: self.data.get(f"override_{a.pk}", "")[:20_000] for a in accounts}

    def media_plan(self) -> MediaPlan:
        data = self.data
        assert isinstance(data, QueryDict)
        stored_alt = {
            int(key[4:]): str(data.get(key, ""))[:1500] for key in data if key.startswith("alt_") and key[4:].isdigit()
        }
        return MediaPlan(
            order=[token for token in data.get("media_order", "").split(",") if token[1:].isdigit()],
            remove=[int(v) for v in data.getlist("remove_media") if v.isdigit()],
            stored_alt=stored_alt,
            new_alt=[value[:1500] for value in data.getlist("new_alt")],
        )


def media_info(raw: str) -> list[dict[str, Any]]:
    """The composer's description of its files for the preview: stored ones by id, new ones by what the browser
    read of them (checked for real once uploaded)."""
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return []
    return [item for item in items if isinstance(item, dict)][:20] if isinstance(items, list) else []


def wall_time(raw: str) -> datetime | None:
    """A `datetime-local` value (or an ISO time from a link) as a naive wall-clock time; None when unreadable."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed.replace(second=0, microsecond=0)
