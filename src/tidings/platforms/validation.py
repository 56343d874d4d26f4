"""The one check of a target's content before it is scheduled or sent: what the platform cannot carry at all (a
thread where it has none, a first comment where Tidings cannot post one), then the connector's own rules."""

from tidings.platforms.base import Connector, Content
from tidings.platforms.models import SocialAccount
from tidings.platforms.rules import platform_name


def validate_content(connector: Connector, account: SocialAccount, content: Content) -> list[str]:
    """Human-readable reasons `content` cannot go out on `account`; empty when it can.

    A post with hand-written parts is refused where the platform has no threads, rather than published without
    them, so the user decides (remove the parts, or this account)."""
    name = platform_name(connector.platform)
    problems: list[str] = []
    if content.parts and not connector.capabilities.threads:
        problems.append(
            f"{name} has no threads: this post has {len(content.parts) + 1} posts. Remove the others, or post to "
            f"{name} separately."
        )
    if content.first_comment.strip() and not connector.capabilities.first_comment:
        problems.append(f"Tidings cannot post a first comment on {name}: remove it, or post to {name} separately.")
    return problems + connector.validate(account, content)
