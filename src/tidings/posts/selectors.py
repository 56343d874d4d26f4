"""The queue as a person works through it: what goes out next first (soonest on top), then drafts (newest first),
then what has ended (most recently ended first); narrowed by what each target is doing, an account, a platform,
and words in the text."""

from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce

from tidings.posts.models import IN_QUEUE, MediaAsset, Post, PostNote, PostTarget, PublishAttempt, TargetStatus
from tidings.workspaces.models import Workspace

S = TargetStatus

# The queue's views: a post shows in each one where at least one of its targets is in a listed state.
VIEWS: dict[str, tuple[str, ...]] = {
    "scheduled": IN_QUEUE,
    "drafts": (S.DRAFT,),
    "problems": (S.FAILED, S.SKIPPED, S.UNCONFIRMED),
    "published": (S.PUBLISHED,),
    "cancelled": (S.CANCELLED,),
}
UPCOMING, DRAFTS, ENDED = 0, 1, 2


@dataclass(frozen=True)
class QueueFilter:
    show: str = ""
    account: int | None = None
    platform: str = ""
    search: str = ""
    # One post, for links that must land on it (a notification, the dashboard, the calendar), whatever its page.
    post: int | None = None

    @property
    def narrowed(self) -> bool:
        """Whether anything but the view narrows the list (so an empty list means "nothing matches")."""
        return bool(self.account or self.platform or self.search or self.post)


def _has(statuses: tuple[str, ...]) -> Exists:
    return Exists(PostTarget.objects.filter(post=OuterRef("pk"), status__in=statuses))


def _matching(workspace: Workspace, filters: QueueFilter) -> QuerySet[Post]:
    """The workspace's posts narrowed by account, platform and words, before the view picks its states."""
    posts = Post.objects.filter(workspace=workspace)
    if filters.post:
        posts = posts.filter(pk=filters.post)
    if filters.account:
        posts = posts.filter(Exists(PostTarget.objects.filter(post=OuterRef("pk"), account_id=filters.account)))
    if filters.platform:
        posts = posts.filter(Exists(PostTarget.objects.filter(post=OuterRef("pk"), platform=filters.platform)))
    words = filters.search.strip()
    if words:
        own_text = PostTarget.objects.filter(post=OuterRef("pk"), text_override__icontains=words)
        posts = posts.filter(Q(text__icontains=words) | Q(link__icontains=words) | Exists(own_text))
    return posts


def queue_posts(workspace: Workspace, filters: QueueFilter) -> QuerySet[Post]:
    """The posts of one view of the queue, in order, with what a card shows prefetched (a fixed number of queries
    for any page). Each post carries `group` (upcoming, drafts, ended) and `due`, its next target's time."""
    posts = _matching(workspace, filters)
    if filters.show in VIEWS:
        posts = posts.filter(_has(VIEWS[filters.show]))
    due = PostTarget.objects.filter(post=OuterRef("pk"), status__in=IN_QUEUE).order_by("scheduled_at")
    ended = (
        PostTarget.objects.filter(post=OuterRef("pk"))
        .annotate(at=Coalesce("published_at", "updated_at"))
        .order_by("-at")
        .values("at")[:1]
    )
    targets = (
        PostTarget.objects.select_related("account")
        .prefetch_related(Prefetch("attempt_history", queryset=PublishAttempt.objects.order_by("started_at", "pk")))
        .order_by("platform", "pk")
    )
    return (
        posts.annotate(
            group=Case(
                When(_has(IN_QUEUE), then=UPCOMING),
                When(_has((S.DRAFT,)), then=DRAFTS),
                default=ENDED,
                output_field=IntegerField(),
            ),
            due=Subquery(due.values("scheduled_at")[:1]),
        )
        .annotate(recent=Case(When(group=DRAFTS, then=F("created_at")), When(group=ENDED, then=Subquery(ended))))
        .order_by("group", F("due").asc(nulls_last=True), F("recent").desc(nulls_last=True), "pk")
        .select_related("author")
        .prefetch_related(
            Prefetch("targets", queryset=targets),
            Prefetch("media", queryset=MediaAsset.objects.order_by("position", "pk")),
            Prefetch("notes", queryset=PostNote.objects.select_related("author")),
        )
    )


def queue_counts(workspace: Workspace, filters: QueueFilter) -> dict[str, int]:
    """How many posts each view holds under the other filters, in one query; "all" counts every post."""
    posts = _matching(workspace, filters).annotate(**{f"in_{name}": _has(states) for name, states in VIEWS.items()})
    counts = posts.aggregate(all=Count("pk"), **{name: Count("pk", filter=Q(**{f"in_{name}": True})) for name in VIEWS})
    return {name: counts[name] or 0 for name in ("all", *VIEWS)}
