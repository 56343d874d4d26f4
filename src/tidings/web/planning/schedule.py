"""The posting schedule: a week of slot times, the workspace's own or one account's, to add and remove."""

from datetime import time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tidings.analytics.best_times import best_times
from tidings.core.errors import DomainError, NotFound
from tidings.planning.models import PostingSlot
from tidings.planning.services import add_slot, remove_slot
from tidings.platforms.models import AccountStatus, SocialAccount
from tidings.web.auth import acting
from tidings.workspaces.roles import Action, RoleTooLow

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# Beyond single days, the two sets people pick most.
DAY_CHOICES = [("weekdays", "Every weekday"), ("daily", "Every day"), *((str(i), d) for i, d in enumerate(DAYS))]
DAY_SETS = {"weekdays": range(5), "daily": range(7), **{str(i): (i,) for i in range(7)}}


class SlotForm(forms.Form):
    days = forms.ChoiceField(label="Day", choices=DAY_CHOICES, initial="weekdays")
    time = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


def _scope(request: HttpRequest, accounts: list[SocialAccount]) -> SocialAccount | None:
    raw = request.POST.get("account") or request.GET.get("account", "")
    if not raw.isdigit():
        return None
    chosen = next((a for a in accounts if a.pk == int(raw)), None)
    if chosen is None:
        raise NotFound("No such account.")
    return chosen


def _address(account: SocialAccount | None) -> str:
    return reverse("posting-schedule") + (f"?account={account.pk}" if account else "")


@login_required
@require_http_methods(["GET", "POST"])
def schedule_page(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    workspace = actor.workspace
    accounts = list(
        SocialAccount.objects.filter(workspace=workspace)
        .exclude(status=AccountStatus.DISCONNECTED)
        .order_by("platform", "handle", "pk")
    )
    account = _scope(request, accounts)
    form = SlotForm(request.POST or None)
    if request.method == "POST":
        actor.require(Action.SCHEDULE)
        if form.is_valid():
            at: time = form.cleaned_data["time"]
            try:
                for weekday in DAY_SETS[form.cleaned_data["days"]]:
                    add_slot(actor, account_id=account.pk if account else None, weekday=weekday, at=at)
            except (RoleTooLow, NotFound):
                raise
            except DomainError as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, f"Added {at:%H:%M}.")
                return redirect(_address(account))
    slots = PostingSlot.objects.filter(workspace=workspace, account=account)
    own = set(PostingSlot.objects.filter(workspace=workspace, account__isnull=False).values_list("account", flat=True))
    week = [{"name": name, "slots": [s for s in slots if s.weekday == i]} for i, name in enumerate(DAYS)]
    context = {
        "section": "schedule",
        "form": form,
        "week": week,
        "account": account,
        "accounts": [(a, a.pk in own) for a in accounts],
        "may_edit": actor.may(Action.SCHEDULE),
        "time_zone": workspace.time_zone,
        "has_slots": any(day["slots"] for day in week),
        "suggested": best_times(workspace, account=account),
        "days": DAYS,
    }
    return render(request, "web/planning/schedule.html", context)


@login_required
@require_POST
def remove(request: HttpRequest, slot_id: int) -> HttpResponse:
    actor = acting(request)
    slot = PostingSlot.objects.filter(workspace=actor.workspace, pk=slot_id).select_related("account").first()
    remove_slot(actor, slot_id)  # RoleTooLow before NotFound tells nothing; another workspace's slot is absent
    messages.success(request, "Slot removed.")
    return redirect(_address(slot.account if slot else None))
