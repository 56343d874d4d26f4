"""The rule form: what to write, where, when (the schedule picker) and whether posts wait for review."""

from datetime import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from tidings.automation.feeds import FIRST_FETCH_ITEMS
from tidings.automation.models import AutomationRule, FeedMode, Review
from tidings.automation.picker import DAY_NAMES, EVERY_HOURS, MAX_TIMES, WEEK, Mode, Picker, from_cron, to_cron
from tidings.core.errors import InvalidInput
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.workspaces.models import Workspace

BRIEF_FIELDS = ("topic", "tone", "audience", "call_to_action", "language", "link")
PICKER_FIELDS = ("schedule_mode", "days", "times", "every", "start", "end", "cron")


class TimesWidget(forms.Widget):
    """Several `<input type="time" name="times">` rows, drawn by the template; read back as a list."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        return [value.strip() for value in values if value and value.strip()]


class TimesField(forms.Field):
    widget = TimesWidget

    def to_python(self, value: Any) -> list[time]:
        times = []
        for text in value or []:
            try:
                times.append(time.fromisoformat(text))
            except ValueError:
                raise ValidationError(
                    f"“{text}” is not a time of day; give it as hours and minutes, like 09:00."
                ) from None
        return times


class StyledForm(forms.Form):
    """Tabler's classes on every input, and fields with errors marked invalid and pointed at their message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.widgets.Input | forms.Textarea) and not isinstance(
                widget, forms.CheckboxInput
            ):
                widget.attrs.setdefault("class", "form-control")

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-error"


class ScheduleForm(StyledForm):
    """The picker's fields; once clean, `schedule` holds the cron they make, or the error says what to fix."""

    schedule_mode = forms.ChoiceField(
        choices=[(Mode.DAYS, "Days and times"), (Mode.HOURS, "Every few hours"), (Mode.CRON, "Advanced")],
        widget=forms.RadioSelect,
        initial=Mode.DAYS,
        required=False,
    )
    days = forms.TypedMultipleChoiceField(
        choices=[(day, DAY_NAMES[day][:3]) for day in WEEK],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    times = TimesField(required=False)
    every = forms.TypedChoiceField(
        choices=[(n, "hour" if n == 1 else f"{n} hours") for n in EVERY_HOURS], coerce=int, initial=3, required=False
    )
    start = forms.TimeField(
        required=False, initial=time(8), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        required=False, initial=time(20), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    cron = forms.CharField(
        required=False,
        max_length=200,
        label="Cron expression",
        help_text="minute hour day month weekday, in your time zone; separate several with a semicolon.",
    )
    # Holds the picker's error and, once clean, the cron it makes.
    schedule = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        # A raw cron posted without the picker (a script, an older page) is read as the advanced field.
        raw, data["schedule"] = data.get("schedule") or "", ""
        if not data.get("schedule_mode") and raw:
            data["schedule_mode"], data["cron"] = Mode.CRON, raw
        if any(name in self.errors for name in PICKER_FIELDS):
            return data
        picker = Picker(
            mode=data.get("schedule_mode") or Mode.DAYS,
            days=frozenset(data.get("days") or ()),
            times=tuple(data.get("times") or ()),
            every=data.get("every") or 3,
            start=data.get("start") or time(0),
            end=data.get("end") or time(23, 59),
            cron=data.get("cron") or "",
        )
        if picker.mode == Mode.DAYS and len(picker.times) > MAX_TIMES:
            self.add_error("times", f"Give at most {MAX_TIMES} times a day.")
            return data
        try:
            data["schedule"] = to_cron(picker)
        except InvalidInput as problem:
            self.add_error("cron" if picker.mode == Mode.CRON else "schedule", problem.message)
        return data


def schedule_initial(expression: str) -> dict[str, Any]:
    """The picker's fields for a stored schedule; a cron it cannot show opens in the advanced field."""
    picker = from_cron(expression)
    return {
        "schedule_mode": picker.mode,
        "days": sorted(picker.days),
        "times": [moment.strftime("%H:%M") for moment in picker.times],
        "every": picker.every,
        "start": picker.start,
        "end": picker.end,
        "cron": expression,
    }


class RuleForm(ScheduleForm):
    name = forms.CharField(max_length=200, label="Name", help_text="For you: it names the rule in lists and alerts.")
    topic = forms.CharField(
        max_length=1000,
        required=False,  # a rule that watches a feed writes about each item; the service asks for it otherwise
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What to write about",
        help_text="The brief the AI writes each post from. With a feed, optional: how to write up each item.",
    )
    tone = forms.CharField(max_length=200, required=False)
    audience = forms.CharField(max_length=200, required=False)
    call_to_action = forms.CharField(max_length=300, required=False, label="Call to action")
    language = forms.CharField(max_length=50, required=False, initial="English")
    link = forms.URLField(required=False, assume_scheme="https")
    hashtags = forms.CharField(max_length=500, required=False, help_text="Separated by spaces.")
    accounts = forms.ModelMultipleChoiceField(
        queryset=SocialAccount.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one account to post to."},
    )
    feed_url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label="Feed address",
        help_text="An RSS or Atom feed. Each new item becomes a post; the first check posts only the newest "
        f"{FIRST_FETCH_ITEMS}. Checked on the rule's schedule, at most every 15 minutes.",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/feed.xml", "inputmode": "url"}),
    )
    feed_mode = forms.ChoiceField(
        choices=FeedMode.choices, widget=forms.RadioSelect, initial=FeedMode.AI, required=False
    )
    review = forms.ChoiceField(choices=Review.choices, widget=forms.RadioSelect, initial=Review.NONE)
    enabled = forms.BooleanField(required=False, initial=True, label="Active: run on this schedule")

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["accounts"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = SocialAccount.objects.filter(workspace=workspace).exclude(status=AccountStatus.DISCONNECTED)

    def brief(self) -> dict[str, object]:
        data = self.cleaned_data
        brief = {key: data[key] for key in BRIEF_FIELDS}
        return {**brief, "hashtags": [tag for tag in data["hashtags"].split() if tag]}


def rule_initial(rule: AutomationRule | None) -> dict[str, Any]:
    if rule is None:
        return {"days": [1, 2, 3, 4, 5], "times": ["09:00"]}
    return {
        "name": rule.name,
        **schedule_initial(rule.schedule),
        **{key: rule.brief.get(key, "") for key in BRIEF_FIELDS},
        "hashtags": " ".join(rule.brief.get("hashtags", [])),
        "accounts": list(rule.accounts.values_list("pk", flat=True)),
        "review": rule.review,
        "enabled": rule.enabled,
        "feed_url": rule.feed_url,
        "feed_mode": rule.feed_mode,
    }
