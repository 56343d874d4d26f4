"""Each account's platform options as the composer and the rule form show them: one small form per platform, named
`opt-<account id>-<option>` (a rule's `ropt-<platform>-<option>`), checked by `tidings.platforms.options`."""

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from django import forms

from tidings.core.errors import InvalidInput
from tidings.platforms.creator import PRIVACY_LABELS
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.options import clean_options

DEFAULT = ("", "The account's default")


def _words(raw: str) -> list[str]:
    return [word.strip() for word in raw.split(",") if word.strip()]


class OptionsForm(forms.Form):
    """A platform's options; `options()` is what the services take, `clean` checks it as they will."""

    platform: ClassVar[str]
    # Options typed as comma-separated words in the form and kept as lists.
    lists: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, account: SocialAccount | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        for field in self.fields.values():
            # A choice with a default is never missing: a form sent without it (an older page, a script) means
            # the default, as the API does.
            if field.initial is not None:
                field.required = False
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            else:
                widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"

    def carried(self) -> list[tuple[str, str]]:
        """The values as hidden inputs (name, value), kept while a part of the form is fetched (TikTok's)."""
        kept = []
        for bound in self:
            value = bound.value()
            if isinstance(bound.field.widget, forms.CheckboxInput):
                if value:
                    kept.append((bound.html_name, "on"))
            elif value not in (None, ""):
                kept.append((bound.html_name, str(value)))
        return kept

    @classmethod
    def initial_of(cls, stored: Mapping[str, Any]) -> dict[str, Any]:
        return {k: ", ".join(v) if k in cls.lists and isinstance(v, list) else v for k, v in stored.items()}

    def options(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name, field in self.fields.items():
            if field.initial is not None and data.get(name) in (None, ""):
                data[name] = field.initial
        for name in self.lists:
            data[name] = _words(data.get(name) or "")
        return data

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                clean_options(self.platform, self.options())
            except InvalidInput as refusal:
                raise forms.ValidationError(refusal.message) from None
        return data

    @property
    def label(self) -> str:
        return Platform(self.platform).label


class YouTubeForm(OptionsForm):
    platform = Platform.YOUTUBE
    lists = ("tags",)
    title = forms.CharField(required=False, max_length=100, help_text="Blank: the text's first line.")
    privacy = forms.ChoiceField(
        choices=[("public", "Public"), ("unlisted", "Unlisted"), ("private", "Private")], initial="public"
    )
    made_for_kids = forms.BooleanField(required=False, label="Made for kids")
    tags = forms.CharField(required=False, max_length=600, help_text="Separated by commas.")


class TikTokForm(OptionsForm):
    """Shown with the creator's info (see `tiktok.html`): the privacy is chosen by the user, never preset."""

    platform = Platform.TIKTOK
    privacy_level = forms.ChoiceField(
        required=False, choices=[("", "Choose who can see this video"), *PRIVACY_LABELS.items()], label="Who can see"
    )
    allow_comment = forms.BooleanField(required=False, label="Comments")
    allow_duet = forms.BooleanField(required=False, label="Duet")
    allow_stitch = forms.BooleanField(required=False, label="Stitch")
    commercial = forms.BooleanField(required=False, label="Disclose video content")
    your_brand = forms.BooleanField(required=False, label="Your brand")
    branded_content = forms.BooleanField(required=False, label="Branded content")
    ai_generated = forms.BooleanField(required=False, label="AI-generated content")

    def options(self) -> dict[str, Any]:
        data = super().options()
        data["privacy_level"] = data.get("privacy_level") or None
        return data


class PinterestForm(OptionsForm):
    platform = Platform.PINTEREST
    board_id = forms.ChoiceField(required=False, label="Board")
    title = forms.CharField(required=False, max_length=100, help_text="Blank: the text's first line.")
    cover_seconds = forms.IntegerField(
        required=False, min_value=0, label="Video cover at second", help_text="For a video Pin; blank: the first frame."
    )

    def __init__(self, *args: Any, account: SocialAccount | None = None, **kwargs: Any) -> None:
        super().__init__(*args, account=account, **kwargs)
        if account is None:
            # A rule's options hold for every Pinterest account it posts to; each has its own boards.
            del self.fields["board_id"]
            return
        saved = account.options or {}
        boards = [(str(b["id"]), str(b.get("name") or b["id"])) for b in saved.get("boards") or [] if b.get("id")]
        default = dict(boards).get(str(saved.get("board_id") or ""), "")
        field = self.fields["board_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", f"Default board{f' ({default})' if default else ''}"), *boards]


class LinkedInForm(OptionsForm):
    platform = Platform.LINKEDIN
    title = forms.CharField(
        required=False,
        max_length=400,
        label="Document title",
        help_text="For a PDF post; blank: the text's first line.",
    )


class MastodonForm(OptionsForm):
    platform = Platform.MASTODON
    visibility = forms.ChoiceField(
        required=False,
        choices=[
            DEFAULT,
            ("public", "Public"),
            ("unlisted", "Quiet public"),
            ("private", "Followers only"),
            ("direct", "Mentioned people only"),
        ],
    )
    spoiler_text = forms.CharField(required=False, max_length=500, label="Content warning")
    language = forms.CharField(required=False, max_length=2, help_text="Two letters, such as en.")

    def options(self) -> dict[str, Any]:
        data = super().options()
        data["visibility"] = data.get("visibility") or None
        return data


class BlueskyForm(OptionsForm):
    platform = Platform.BLUESKY
    lists = ("langs",)
    langs = forms.CharField(required=False, max_length=60, label="Languages", help_text="Up to 3, such as en, pt-BR.")


class XForm(OptionsForm):
    platform = Platform.X
    reply_settings = forms.ChoiceField(
        choices=[
            ("everyone", "Everyone"),
            ("following", "Accounts you follow"),
            ("mentionedUsers", "Only accounts you mention"),
            ("verified", "Verified accounts"),
            ("subscribers", "Your subscribers"),
        ],
        initial="everyone",
        label="Who can reply",
    )


FORMS: dict[str, type[OptionsForm]] = {form.platform: form for form in OptionsForm.__subclasses__()}


def account_forms(
    accounts: Iterable[SocialAccount], *, data: Any = None, stored: Mapping[int, Mapping[str, Any]] | None = None
) -> dict[int, OptionsForm]:
    """The options form of each account whose platform has options, bound to `data` when the composer was sent."""
    found: dict[int, OptionsForm] = {}
    for account in accounts:
        form = FORMS.get(account.platform)
        if form is not None:
            initial = form.initial_of((stored or {}).get(account.pk) or {})
            found[account.pk] = form(data, prefix=f"opt-{account.pk}", initial=initial, account=account)
    return found


def valid_options(accounts: Iterable[SocialAccount], data: Any) -> dict[int, dict[str, Any]]:
    """The options the composer holds for each account, where they are valid: what its preview is checked with."""
    forms = account_forms(accounts, data=data)
    return {pk: form.options() for pk, form in forms.items() if form.is_valid()}


def rule_forms(
    platforms: Iterable[str], *, data: Any = None, stored: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, OptionsForm]:
    """The options form of each platform a rule may post to, keyed by platform."""
    found: dict[str, OptionsForm] = {}
    for platform in platforms:
        form = FORMS.get(platform)
        if form is not None and platform not in found:
            initial = form.initial_of((stored or {}).get(platform) or {})
            found[platform] = form(data, prefix=f"ropt-{platform}", initial=initial)
    return found


def first_problem(form: OptionsForm) -> str:
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        where = f"{field.label or name.replace('_', ' ').capitalize()}: " if field is not None else ""
        return f"{where}{errors[0]}"
    return ""
