"""A post's notes: the team's comments and its approval steps, and the word that goes out when it is proposed."""

from tidings.notifications.models import NotificationType
from tidings.notifications.services import notify
from tidings.posts import events
from tidings.posts.models import NoteKind, Post, PostNote
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action


def add_note(
    post: Post, *, kind: NoteKind, actor: Actor | None = None, guest_name: str = "", text: str = ""
) -> PostNote:
    author = actor.user if actor is not None else None
    return PostNote.objects.create(post=post, kind=kind, author=author, guest_name=guest_name, text=text)


def announce_proposal(actor: Actor, post: Post) -> None:
    """After a post was proposed: its history says so, and the approvers hear of it."""
    note = add_note(post, kind=NoteKind.PROPOSED, actor=actor)
    events.announce_proposal(actor.workspace, post, note_id=note.pk)
    if actor.user is not None:
        who = actor.user.get_full_name() or actor.user.username
    elif post.automation_rule is not None:
        who = f"The rule “{post.automation_rule.name}”"
    else:
        who = "Tidings"
    notify(
        actor.workspace,
        audience=Action.APPROVE,
        type=NotificationType.POST_REVIEW,
        title="A post waits for your approval",
        message=f"{who} proposed “{excerpt(post)}” for {_when(actor, post)}.",
        data={"post_id": post.pk},
    )


def excerpt(post: Post) -> str:
    text = " ".join(post.text.split())
    return text if len(text) <= 60 else f"{text[:57]}…"


def _when(actor: Actor, post: Post) -> str:
    if post.scheduled_at is None:
        return "no time yet"
    return f"{post.scheduled_at.astimezone(actor.workspace.zone):%d %b %Y, %H:%M}"
