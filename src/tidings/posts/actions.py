"""What a person may do with a post and with each of its targets, read off the lifecycle's declared moves.

The services move targets from exactly these states, and the pages offer an action only where one of the post's
targets is in them, so a button never promises what the service then refuses.
"""

from collections.abc import Collection

from tidings.posts.lifecycle import sources_of
from tidings.posts.models import IN_FLIGHT, TargetStatus

S = TargetStatus

# A draft is scheduled; a scheduled target gets a new time; an ended one is scheduled again, in a new dispatch round.
SCHEDULE = frozenset[str]({S.DRAFT}) & sources_of(S.SCHEDULED)
# A proposal is decided on by an approver (scheduled as proposed, sent back, or rejected), not restarted.
DECIDE = frozenset({S.AWAITING_APPROVAL})
RESTART = sources_of(S.SCHEDULED) - SCHEDULE - DECIDE
RESCHEDULE = frozenset({S.SCHEDULED}) | RESTART
# "Now", for what went wrong; a cancelled target was the person's own choice, so it is rescheduled, not retried.
RETRY = RESTART - {S.CANCELLED}
TO_DRAFT = sources_of(S.DRAFT)
# Cancelling a draft would change nothing a person sees; a claimed target can still be stopped before it is sent.
CANCEL = sources_of(S.CANCELLED) - SCHEDULE
# A send in doubt is settled by the person: it went out, or it did not (the platform may also be asked).
SETTLE = sources_of(S.PUBLISHED) - set(IN_FLIGHT)
# Text, media, accounts and time change while nothing of the post is out or on its way (the composer opens it).
EDITABLE = SCHEDULE | RESCHEDULE
# A credit must follow the outcome of a send that is under way or unanswered, so such a post is not deleted.
UNDELETABLE = frozenset({S.PUBLISHING, S.UNCONFIRMED})

# Post-level actions and the target states that let each apply, in the order the page shows them.
POST_ACTIONS: dict[str, frozenset[str]] = {
    "decide": DECIDE,
    "schedule": SCHEDULE,
    "reschedule": RESCHEDULE,
    "unschedule": TO_DRAFT,
    "cancel": CANCEL,
}


def post_actions(statuses: Collection[str]) -> list[str]:
    """The actions that do something for a post whose targets are in `statuses`."""
    found = set(statuses)
    actions = [name for name, states in POST_ACTIONS.items() if found & states]
    if "reschedule" in actions and "schedule" in actions:
        # One time picker: rescheduling moves the post's waiting and ended targets; its drafts stay drafts.
        actions.remove("schedule")
    if found and found <= EDITABLE:
        actions.insert(0, "edit")
    actions.append("duplicate")
    if not found & UNDELETABLE:
        actions.append("delete")
    return actions


def target_actions(status: str) -> list[str]:
    """The actions on one target in `status` (the post-level ones aside)."""
    if status in RETRY:
        return ["retry"]
    if status in SETTLE:
        return ["went-out", "did-not-go-out", "check"]
    return []
