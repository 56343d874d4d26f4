"""What pressing Schedule, Publish now or Save draft does to a post, through the posts services; a refusal comes
back as what the composer shows on itself: the reason, what was kept, and the way forward."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from tidings.core.errors import Conflict, DomainError, InvalidInput
from tidings.credits.errors import InsufficientCredits
from tidings.planning.errors import NoFreeSlot
from tidings.planning.services import add_to_queue
from tidings.posts.media import arrange_media, attach_media, remove_media
from tidings.posts.models import MediaAsset, Post, TargetStatus
from tidings.posts.services import (
    READY,
    create_post,
    remember_refusal,
    reschedule_post,
    schedule_post,
    unschedule_post,
    update_post,
)
from tidings.tiers.services import TierLimitReached
from tidings.web.composer.forms import ComposeForm
from tidings.web.composer.thread import media_parts, posted, save_thread_media, thread_texts
from tidings.web.composer.timing import Timing, on_day, read_time
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace

# "Publish now" goes through the queue like any post: the dispatcher picks it up within seconds.
NOW_DELAY = timedelta(seconds=5)
ACTIONS = ("schedule", "now", "queue", "draft", "save")


@dataclass
class Refusal:
    """Why the post is not where the user asked, what is kept, and what to do next."""

    message: str
    kept: str = ""
    where: str = ""  # the field at fault: when, accounts, media, text
    suggestion: str = ""  # a time for the field
    suggestion_label: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)


def way_forward(workspace: Workspace, refusal: DomainError, *, raw_when: str) -> Refusal:
    """The refusal with a way out: a corrected time, the queue, the plan page, the connections page."""
    found = Refusal(refusal.message, where=str(refusal.details.get("field", "")))
    if isinstance(refusal, TierLimitReached):
        decision = refusal.decision
        if decision.next_open_day:
            found.where = "when"
            value = on_day(workspace, raw_when, date.fromisoformat(decision.next_open_day))
            found.suggestion, found.suggestion_label = value, Timing(value).suggestion_label
        if decision.check == "can_schedule":
            found.links.append(("Open the queue", reverse("queue")))
        found.links.append(("See plans and limits", reverse("plan")))
    elif isinstance(refusal, NoFreeSlot):
        found.where = "when"
        found.links.append(("Set the posting schedule", str(refusal.details["settings_url"])))
    elif isinstance(refusal, InsufficientCredits):
        found.links += [("Open the queue", reverse("queue")), ("See credits and plans", reverse("plan"))]
    elif "over your plan" in refusal.message or "Reconnect" in refusal.message:
        found.where = "accounts"
        found.links += [("Manage accounts", "/connections/"), ("See plans and limits", reverse("plan"))]
    elif found.where in ("when", "scheduled_at"):
        found.where = "when"
        timing = read_time(workspace, raw_when)
        found.suggestion, found.suggestion_label = timing.suggestion, timing.suggestion_label
    elif found.where in ("account_ids",):
        found.where = "accounts"
    return found


def create_from(actor: Actor, form: ComposeForm) -> Post:
    data = form.cleaned_data
    return create_post(
        actor,
        text=data["text"],
        account_ids=[a.pk for a in data["accounts"]],
        link=data["link"],
        overrides=form.overrides(),
        options=form.options(),
        thread_parts=thread_texts(posted(form.data)),
        first_comment=data["first_comment"],
        tagging=form.tagging,
    )


def save_content(actor: Actor, post: Post, form: ComposeForm) -> None:
    """The text, accounts, thread and comment. Files taken off go first, so a post of the thread taken out with
    its files leaves none behind; the thread's stored files follow their posts as reordered."""
    data = form.cleaned_data
    removed = set(form.media_plan().remove)
    for asset in MediaAsset.objects.filter(workspace=actor.workspace, post=post, pk__in=removed):
        remove_media(actor, asset.pk)
    update_post(
        actor,
        post.pk,
        text=data["text"],
        link=data["link"],
        account_ids=[a.pk for a in data["accounts"]],
        overrides=form.overrides(),
        options=form.options(),
        thread_parts=thread_texts(posted(form.data)),
        first_comment=data["first_comment"],
        media_parts=media_parts(posted(form.data), removed=removed),
        tagging=form.tagging,
    )


def save_media(actor: Actor, post: Post, form: ComposeForm, uploads: list) -> None:
    """Stored files taken off, new ones added, then every file put in the composer's order with its description."""
    plan = form.media_plan()
    for asset in MediaAsset.objects.filter(workspace=actor.workspace, post=post, pk__in=plan.remove):
        remove_media(actor, asset.pk)
    added: list[MediaAsset] = []
    if uploads:
        added = attach_media(actor, post.pk, uploads=uploads, alt_text=form.cleaned_data.get("alt_text", ""))
    alt_texts = {pk: text for pk, text in plan.stored_alt.items() if pk not in plan.remove}
    for asset, alt in zip(added, plan.new_alt, strict=False):
        if alt.strip():
            alt_texts[asset.pk] = alt
    order: list[int] = []
    for token in plan.order:
        number = int(token[1:])
        if token[0] == "s" and number not in plan.remove:
            order.append(number)
        elif token[0] == "n" and number < len(added):
            order.append(added[number].pk)
    if alt_texts or order:
        arrange_media(actor, post.pk, order=order, alt_texts=alt_texts)
    save_thread_media(actor, post, posted(form.data), form.files)


def place(actor: Actor, post: Post, *, action: str, raw_when: str) -> str:
    """Put the post where the pressed button says: in the queue at the time (or now), or back among the drafts.
    Returns what to tell the user; raises the refusal, the post staying as it is (a new one a draft with the reason)."""
    statuses = set(post.targets.values_list("status", flat=True))
    if action == "draft":
        if statuses - {TargetStatus.DRAFT}:
            unschedule_post(actor, post.pk)
        return "Saved as a draft."
    if action == "save":
        timing = read_time(actor.workspace, raw_when)
        if TargetStatus.SCHEDULED not in statuses or timing.at in (None, post.scheduled_at):
            return "Saved."
        action = "schedule"
    if action == "queue":
        if TargetStatus.SCHEDULED in statuses:
            raise Conflict("This post is scheduled already; move it to drafts first to add it to the queue.")
        at = add_to_queue(actor, post.pk).scheduled_at
        assert at is not None
        if actor.needs_approval:
            return "Sent for approval for its slot: it goes out once an approver says yes."
        return f"Added to the queue for {timezone.localtime(at, actor.workspace.zone):%a %-d %b, %H:%M}."
    at = _at(actor, post, action=action, raw_when=raw_when)
    if TargetStatus.SCHEDULED in statuses and at != post.scheduled_at:
        reschedule_post(actor, post.pk, at=at)
    if statuses & set(READY):
        post.refresh_from_db()
        if post.targets.filter(status__in=READY).exists():
            schedule_post(actor, post.pk, at=at)
    if actor.needs_approval:
        return "Sent for approval: it goes out once an approver says yes."
    return "Publishing now: it goes out within a minute." if action == "now" else "Scheduled."


def _at(actor: Actor, post: Post, *, action: str, raw_when: str) -> datetime:
    if action == "now":
        return timezone.now() + NOW_DELAY
    timing = read_time(actor.workspace, raw_when)
    if timing.at is None or timing.problem:
        refusal = InvalidInput(timing.problem or "Pick a date and time to schedule the post.", field="when")
        if not post.targets.filter(status=TargetStatus.SCHEDULED).exists():
            remember_refusal(actor, post.pk, refusal)
        raise refusal
    return timing.at
