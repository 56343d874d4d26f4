"""What a TikTok creator may post right now (creator_info), read for the composer before the user chooses.

TikTok's Content Sharing Guidelines ask that the posting screen show the creator's nickname, offer only the privacy
levels `privacy_level_options` lists, and disable comments, duets and stitches the creator turned off in the app
(https://developers.tiktok.com/doc/content-sharing-guidelines); POST /v2/post/publish/creator_info/query/
(https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info) says all of that.
"""

from dataclasses import dataclass

from django.utils import timezone

from tidings.core.errors import Conflict, NotFound, PlatformUnavailable
from tidings.platforms.base import PublishFailure, ReauthRequired
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.platforms.registry import connector_for
from tidings.platforms.renewal import renew_for_publish
from tidings.workspaces.models import Workspace

# How the composer names each level; TikTok's own app uses these words.
PRIVACY_LABELS = {
    "PUBLIC_TO_EVERYONE": "Everyone",
    "MUTUAL_FOLLOW_FRIENDS": "Friends (followers you follow back)",
    "FOLLOWER_OF_CREATOR": "Followers",
    "SELF_ONLY": "Only me",
}


@dataclass(frozen=True)
class CreatorInfo:
    nickname: str
    username: str
    privacy_levels: tuple[tuple[str, str], ...]  # (level, label), in TikTok's order
    comment_disabled: bool
    duet_disabled: bool
    stitch_disabled: bool
    max_video_seconds: int | None


def fetch_creator_info(workspace: Workspace, account_id: int) -> CreatorInfo:
    """The creator info of one of the workspace's TikTok accounts, asked with its token (renewed first when
    expired)."""
    account = SocialAccount.objects.filter(workspace=workspace, pk=account_id, platform=Platform.TIKTOK).first()
    if account is None or account.status == AccountStatus.DISCONNECTED:
        raise NotFound("No such TikTok account.")
    connector = connector_for(Platform.TIKTOK)
    ask = getattr(connector, "creator_info", None)
    if connector is None or ask is None or not connector.is_configured():
        raise PlatformUnavailable("TikTok is not available on this server.")
    now = timezone.now()
    try:
        if (
            account.token_expires_at is not None
            and account.token_expires_at <= now
            and connector.can_refresh(account, now=now)
        ):
            account = renew_for_publish(account, stale_token=account.access_token)
        data = ask(account)
    except ReauthRequired as error:
        raise Conflict(f"Reconnect this TikTok account to post with it: {error.message}") from None
    except PublishFailure as error:
        raise Conflict(f"TikTok did not say what this account may post: {error.message} Try again.") from None
    levels = [str(level) for level in data.get("privacy_level_options") or []]
    longest = data.get("max_video_post_duration_sec")
    return CreatorInfo(
        nickname=str(data.get("creator_nickname") or account.display_name or account.handle),
        username=str(data.get("creator_username") or account.handle),
        privacy_levels=tuple((level, PRIVACY_LABELS.get(level, level)) for level in levels),
        comment_disabled=bool(data.get("comment_disabled")),
        duet_disabled=bool(data.get("duet_disabled")),
        stitch_disabled=bool(data.get("stitch_disabled")),
        max_video_seconds=int(longest) if isinstance(longest, int | float) and longest else None,
    )
