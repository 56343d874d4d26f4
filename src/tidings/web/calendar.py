"""The calendar: the workspace's posts by month, week or as an agenda, in the workspace's time zone, and dragged to
a new time through the same services and checks as the forms.

FullCalendar runs in the browser on `timeZone: "UTC"` with wall-clock times: the feed gives each entry's time as
the workspace's local time without an offset, and a dropped time comes back the same way, so the device's own zone
(which need not be the workspace's setting) shifts nothing, and a local time that DST skips or repeats is refused as in
the composer.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from tidings.accounts.timezones import local_to_utc
from tidings.api.errors import domain_error_response
from tidings.core.errors import Conflict, DomainError, InvalidInput, NotFound
from tidings.platforms.models import Platform
from tidings.platforms.rules import platform_name
from tidings.posts.lifecycle import TRANSITIONS
from tidings.posts.models import PostTarget, TargetStatus
from tidings.posts.services import EDITABLE, READY, reschedule_post, schedule_post
from tidings.web.auth import acting
from tidings.web.templatetags.ui import PLATFORM_ICONS
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace
from tidings.workspaces.roles import Action

S = TargetStatus
VIEWS = ("month", "week", "agenda")
# A feed request covers one view (six weeks at most); longer ones are refused rather than read.
MAX_SPAN = timedelta(days=62)
TEXT_SHOWN = 120
# The colours the page explains, in the order a post lives through them (queued looks as publishing does).
LEGEND = (
    S.DRAFT,
    S.AWAITING_APPROVAL,
    S.SCHEDULED,
    S.PUBLISHING,
    S.PUBLISHED,
    S.UNCONFIRMED,
    S.SKIPPED,
    S.FAILED,
    S.CANCELLED,
)

# What an entry is made of, read as plain rows.
ROW = ("pk", "post_id", "platform", "status", "scheduled_at", "text_override", "post__text", "account__handle")
STATUS_LABELS = dict(S.choices)
PLATFORM_NAMES = {platform: platform_name(platform) for platform in Platform.values}

Mover = Callable[[Actor, int, datetime], str]


def _reschedule(actor: Actor, post_id: int, at: datetime) -> str:
    reschedule_post(actor, post_id, at=at)
    return "Moved to {when}."


def _schedule(actor: Actor, post_id: int, at: datetime) -> str:
    schedule_post(actor, post_id, at=at)
    return "Sent for approval, for {when}." if actor.needs_approval else "Scheduled for {when}."


# The service that gives an entry in each state a new time, as the queue's and the composer's forms do: a waiting
# post is rescheduled; a draft, or one that failed, was skipped or was cancelled, is scheduled (again). Each takes
# the post's targets in those states together, so their entries move together.
MOVERS: dict[str, Mover] = {S.SCHEDULED: _reschedule, **dict.fromkeys(READY, _schedule)}
# Draggable: a state the lifecycle lets reach "scheduled" (or that is scheduled), with a service above to move it.
DRAGGABLE = frozenset(state for state in MOVERS if state == S.SCHEDULED or S.SCHEDULED in TRANSITIONS[state])


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """The page; the entries come from the feed. `?view=` and `?date=` open a view on a day (and are kept as the
    user moves around, so a reload or a shared link shows the same place)."""
    workspace = acting(request).workspace
    view = request.GET.get("view", "")
    try:
        opened = date.fromisoformat(request.GET.get("date", "")).isoformat()
    except ValueError:
        opened = ""
    config = {
        "events": reverse("calendar-events"),
        "move": reverse("calendar-move", args=[0]).replace("/0/", "/{id}/"),
        "compose": reverse("compose"),
        "zone": workspace.time_zone,
        "view": view if view in VIEWS else "",
        "date": opened,
        "sprite": static("vendor/tabler-icons/sprite.svg"),
    }
    legend = [(state, S(state).label) for state in LEGEND]
    return render(request, "web/calendar.html", {"config": config, "time_zone": workspace.time_zone, "legend": legend})


@login_required
@require_GET
def events(request: HttpRequest) -> HttpResponse:
    """The entries FullCalendar asks for, one per target, between `start` and `end` (wall-clock times in the
    workspace's zone, as the calendar sends them); in one query, whatever the number of posts."""
    workspace = acting(request).workspace
    try:
        start, end = (_wall_clock(request.GET.get(name, "")) for name in ("start", "end"))
        if not start < end <= start + MAX_SPAN:
            raise ValueError
    except ValueError:
        return domain_error_response(InvalidInput("Give start and end as dates at most 62 days apart."))
    zone = workspace.zone
    # The composer opens a post only while none of it has gone out (or is going).
    ended_or_sent = PostTarget.objects.filter(post_id=OuterRef("post_id")).exclude(status__in=EDITABLE)
    rows = (
        PostTarget.objects.filter(
            post__workspace=workspace,
            scheduled_at__gte=start.replace(tzinfo=zone),
            scheduled_at__lt=end.replace(tzinfo=zone),
        )
        .annotate(not_editable=Exists(ended_or_sent))
        .order_by("scheduled_at", "platform", "pk")
        # Plain rows of what an entry shows: a month can hold a thousand, and an account row carries encrypted
        # tokens that would be decrypted for nothing.
        .values(*ROW, "not_editable")
    )
    links = {
        True: reverse("post-edit", args=[0]).replace("/0/", "/{0}/"),
        False: reverse("queue") + "?post={0}#post-{0}",
    }
    return JsonResponse([_entry(row, zone, links) for row in rows], safe=False)


def _wall_clock(raw: str) -> datetime:
    """A date or date-time as the calendar sends it (UTC-marked, but meaning the workspace's wall clock), naive."""
    return datetime.fromisoformat(raw.strip().replace(" ", "+")).replace(tzinfo=None)


def _entry(row: dict[str, Any], zone: ZoneInfo, links: dict[bool, str]) -> dict[str, Any]:
    text = " ".join((row["text_override"] or row["post__text"]).split())
    if len(text) > TEXT_SHOWN:
        text = text[: TEXT_SHOWN - 1] + "…"
    post, status, platform, account = row["post_id"], row["status"], row["platform"], row["account__handle"]
    entry: dict[str, Any] = {
        "id": str(row["pk"]),
        "title": f"{account} · {text}" if text else account,
        "start": row["scheduled_at"].astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds"),
        "url": links[not row["not_editable"]].format(post),
        "startEditable": status in DRAGGABLE,
        "classNames": ["entry", f"entry-{platform}", f"entry-{status}"],
        "extendedProps": {
            "post": post,
            "account": account,
            "platform": platform,
            "platformName": PLATFORM_NAMES.get(platform, platform),
            "icon": PLATFORM_ICONS.get(platform, "world"),
            "status": status,
            "statusLabel": STATUS_LABELS[status],
            "text": text,
        },
    }
    if status in DRAGGABLE:
        entry["groupId"] = f"{post}-{'waiting' if status == S.SCHEDULED else 'ready'}"
    return entry


@login_required
@require_POST
def move(request: HttpRequest, target_id: int) -> HttpResponse:
    """A dropped entry: its post goes to `at`, a local minute in the workspace's zone.

    Answers JSON: `{"message"}` when it moved, else the refusal as the API gives it (a role too low is 403), and
    nothing has changed.
    """
    actor = acting(request)
    workspace = actor.workspace
    try:
        actor.require(Action.DRAFT)  # the least any move needs; the service it calls checks the rest
        target = PostTarget.objects.filter(pk=target_id, post__workspace=workspace).first()
        if target is None:
            raise NotFound("No such post.")
        mover = MOVERS.get(target.status) if target.status in DRAGGABLE else None
        if mover is None:
            raise Conflict(f"A post that is {S(target.status).label.lower()} keeps its time.")
        at = local_to_utc(_minute(request.POST.get("at", "")), workspace.time_zone, field="at")
        done = mover(actor, target.post_id, at)
    except DomainError as refusal:
        return domain_error_response(refusal)
    return JsonResponse({"message": done.format(when=_shown(at, workspace))})


def _minute(raw: str) -> datetime:
    try:
        return datetime.strptime(raw.strip()[:16], "%Y-%m-%dT%H:%M")  # noqa: DTZ007 - wall-clock time, zoned after
    except ValueError:
        raise InvalidInput("Give the new time as a date and time.", field="at") from None


def _shown(at: datetime, workspace: Workspace) -> str:
    """As the `moment` filter shows a time: "Tue 1 Dec, 14:05", with the year when it is not this year."""
    local = at.astimezone(workspace.zone)
    this_year = datetime.now(workspace.zone).year
    return local.strftime("%a %-d %b, %H:%M" if local.year == this_year else "%a %-d %b %Y, %H:%M")


# Mounted at / by tidings.web.urls.
urls = [
    path("calendar/", calendar, name="calendar"),
    path("calendar/events/", events, name="calendar-events"),
    path("calendar/targets/<int:target_id>/move/", move, name="calendar-move"),
]
