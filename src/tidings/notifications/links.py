"""Where a notification leads: the post, account, rule or plan limit it is about, read from its type and data.

A link names its action from the notification alone (no query, so a list of them costs nothing); where it goes is
decided when it is followed, from the state of the thing at that moment: a failed post that has since been moved
back to drafts opens in the composer, not in the queue's list of problems. What it leads to must be in a workspace
the person is still a member of; anything else reads as deleted.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from tidings.accounts.models import User
from tidings.automation.models import AutomationRule
from tidings.notifications.models import Notification, NotificationType
from tidings.posts.models import Post, PostTarget, TargetStatus
from tidings.webhooks.models import Endpoint

POST_TYPES = {NotificationType.POST_FAILED, NotificationType.POST_SKIPPED}
# About one post as a whole (a review, a decision on it, a comment): they open the post.
ABOUT_A_POST = {NotificationType.POST_REVIEW, NotificationType.POST_DECIDED, NotificationType.POST_COMMENT}
CREDIT_TYPES = {NotificationType.LOW_CREDITS, NotificationType.CREDITS_EXPIRING}
# Targets in these states are changed in the composer (text, accounts, time); the others are looked at, retried or
# settled where the queue shows their attempts.
IN_COMPOSER = {TargetStatus.DRAFT, TargetStatus.SCHEDULED}


@dataclass(frozen=True)
class Destination:
    url: str
    # Said once the user arrives when the thing is gone (a deleted post or rule); empty otherwise.
    note: str = ""


def plain_key(notification: Notification) -> str:
    """The dedupe key as its sender named it, without the workspace prefix `notify` adds."""
    key = notification.dedupe_key or ""
    prefix = f"{notification.workspace_id}:"
    return key[len(prefix) :] if notification.workspace_id is not None and key.startswith(prefix) else key


def action_label(notification: Notification) -> str:
    """What following the notification does, in the words of a button."""
    kind = notification.type
    if kind in POST_TYPES:
        if plain_key(notification).startswith("unconfirmed:"):
            return "Say whether it went out"
        return "Open the post"
    if kind in CREDIT_TYPES:
        return "See your credits"
    if kind == NotificationType.TIER_LIMIT_REACHED:
        return "See your plan"
    if kind == NotificationType.ACCOUNT_RECONNECT:
        return "Reconnect"
    if kind == NotificationType.RULE_FAILED:
        return "Open the rule"
    if kind == NotificationType.POST_REVIEW:
        return "Review the post"
    if kind == NotificationType.WEBHOOK_FAILING:
        return "See its deliveries"
    if kind in ABOUT_A_POST:
        return "Open the post"
    return "Open"


def open_url(notification: Notification) -> str:
    """The link shown: it marks the notification read and goes on to `destination`."""
    return reverse("notification-open", args=[notification.pk])


def queue_entry_url(target_id: int, post_id: int) -> str:
    """A target's entry in the queue: the queue narrowed to its post, so the link lands on it whatever its page."""
    return f"{reverse('queue')}?{urlencode({'post': post_id})}#target-{target_id}"


def _number(data: dict[str, object], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def destination(user: User, notification: Notification) -> Destination:
    """Where the notification's subject is now; at most one query, scoped to the workspaces the person is in."""
    data = notification.data if isinstance(notification.data, dict) else {}
    kind = notification.type
    if kind in POST_TYPES or kind in ABOUT_A_POST:
        return _post_destination(user, data)
    if kind in CREDIT_TYPES:
        return Destination(f"{reverse('plan')}#credits")
    if kind == NotificationType.TIER_LIMIT_REACHED:
        limit = data.get("limit_name")
        anchor = f"limit-{limit}" if isinstance(limit, str) and limit.isidentifier() else "limits"
        return Destination(f"{reverse('plan')}#{anchor}")
    if kind == NotificationType.ACCOUNT_RECONNECT:
        account_id = _number(data, "account_id")
        return Destination(reverse("connections") + (f"#account-{account_id}" if account_id else ""))
    if kind == NotificationType.RULE_FAILED:
        rule_id = _number(data, "rule_id")
        if rule_id and AutomationRule.objects.filter(workspace__memberships__user=user, pk=rule_id).exists():
            return Destination(reverse("automation-edit", args=[rule_id]))
        return Destination(reverse("automation"), "That rule has since been deleted." if rule_id else "")
    if kind == NotificationType.WEBHOOK_FAILING:
        endpoint_id = _number(data, "endpoint_id")
        if endpoint_id and Endpoint.objects.filter(workspace__memberships__user=user, pk=endpoint_id).exists():
            return Destination(reverse("webhook", args=[endpoint_id]))
        return Destination(reverse("webhooks"), "That endpoint has since been removed." if endpoint_id else "")
    return Destination(reverse("notifications"))


def _post_destination(user: User, data: dict[str, object]) -> Destination:
    target_id, post_id = _number(data, "target_id"), _number(data, "post_id")
    if target_id is not None:
        target = (
            PostTarget.objects.filter(pk=target_id, post__workspace__memberships__user=user)
            .values_list("status", "post_id")
            .first()
        )
        if target is None:
            return Destination(reverse("queue"), "That post has since been deleted.")
        status, post_id = target
        if status in IN_COMPOSER:
            return Destination(reverse("post-edit", args=[post_id]))
        return Destination(queue_entry_url(target_id, post_id))
    if post_id is not None:
        if not Post.objects.filter(pk=post_id, workspace__memberships__user=user).exists():
            return Destination(reverse("queue"), "That post has since been deleted.")
        return Destination(reverse("post-edit", args=[post_id]))
    return Destination(f"{reverse('queue')}?show=problems")
