"""The page that makes a post repeat (/posts/<id>/repeat/): the rule, the next times it gives, and what each
repeat so far became."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from tidings.core.errors import DomainError, NotFound
from tidings.posts.services import get_post
from tidings.recurring.models import Unit
from tidings.recurring.services import Series, get_recurrence, set_recurrence, stop_recurrence, upcoming
from tidings.web.auth import acting
from tidings.web.errors import show_on_form
from tidings.workspaces.roles import Action, RoleTooLow

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
ENDS = [("never", "Never"), ("until", "On a date"), ("count", "After a number of posts")]


class RepeatForm(forms.Form):
    every = forms.IntegerField(label="Every", min_value=1, max_value=365, initial=1)
    unit = forms.ChoiceField(label="Unit", choices=Unit.choices, initial=Unit.WEEK)
    weekdays = forms.TypedMultipleChoiceField(
        label="On", choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    ends = forms.ChoiceField(label="Ends", choices=ENDS, initial="never", widget=forms.RadioSelect)
    until = forms.DateField(label="Last day", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(label="Posts in all", min_value=2, max_value=1000, required=False)
    rewrite = forms.BooleanField(
        label="Reword each repeat with AI",
        required=False,
        help_text="No two posts are identical (X and LinkedIn refuse duplicates). Each rewording is one generation.",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("ends") == "until" and not data.get("until"):
            self.add_error("until", "Pick the last day.")
        if data.get("ends") == "count" and not data.get("count"):
            self.add_error("count", "Say how many posts the series makes.")
        return data

    def series(self) -> Series:
        data = self.cleaned_data
        return Series(
            every=data["every"],
            unit=data["unit"],
            weekdays=tuple(data["weekdays"] or ()),
            until=data["until"] if data["ends"] == "until" else None,
            count=data["count"] if data["ends"] == "count" else None,
            rewrite=data["rewrite"],
        )


@login_required
@require_http_methods(["GET", "POST"])
def repeat_page(request: HttpRequest, post_id: int) -> HttpResponse:
    actor = acting(request)
    post = get_post(actor.workspace, post_id)
    if request.method == "POST":
        actor.require(Action.DRAFT)
    recurrence = get_recurrence(actor.workspace, post.pk)
    initial: dict[str, object] = {"every": 1, "unit": Unit.WEEK, "ends": "never"}
    if recurrence:
        ends = "until" if recurrence.until else "count" if recurrence.count else "never"
        initial = {
            "every": recurrence.every,
            "unit": recurrence.unit,
            "weekdays": recurrence.weekdays,
            "ends": ends,
            "until": recurrence.until,
            "count": recurrence.count,
            "rewrite": recurrence.rewrite,
        }
    form = RepeatForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            set_recurrence(actor, post.pk, form.series())
        except (RoleTooLow, NotFound):
            raise
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Saved: the post repeats. Each repeat is scheduled a day before its time.")
            return redirect("post-repeat", post.pk)
    context = {
        "post": post,
        "form": form,
        "recurrence": recurrence,
        "upcoming": upcoming(recurrence) if recurrence else [],
        "repeats": list(recurrence.repeats.select_related("post")[:20]) if recurrence else [],
        "may_edit": actor.may(Action.DRAFT),
    }
    return render(request, "web/posts/repeat.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def stop_repeating(request: HttpRequest, post_id: int) -> HttpResponse:
    stop_recurrence(acting(request), post_id)
    messages.success(request, "The post no longer repeats. Repeats already scheduled stay in the queue.")
    return redirect("post-repeat", post_id)


urls = [
    path("posts/<int:post_id>/repeat/", repeat_page, name="post-repeat"),
    path("posts/<int:post_id>/repeat/stop/", stop_repeating, name="post-repeat-stop"),
]
