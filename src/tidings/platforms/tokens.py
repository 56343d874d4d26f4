"""Storing the tokens a refresh returned. Kept apart from `connect` so connectors can call it (no import cycle)."""

from django.utils import timezone

from tidings.platforms.base import TokenSet
from tidings.platforms.models import AccountStatus, SocialAccount


def store_tokens(account: SocialAccount, *, tokens: TokenSet) -> bool:
    """Save refreshed tokens (encrypted by the field) on an active account, and on the instance in hand.

    A provider that does not rotate its refresh token returns none: the one we have stays. Returns False when the
    account stopped being active meanwhile (disconnected: its tokens must not come back).
    """
    refresh_token = tokens.refresh_token or account.refresh_token
    changed = SocialAccount.objects.filter(pk=account.pk, status=AccountStatus.ACTIVE).update(
        access_token=tokens.access_token,
        refresh_token=refresh_token,
        token_expires_at=tokens.expires_at,
        updated_at=timezone.now(),
        **({"scopes": tokens.scope[:500]} if tokens.scope else {}),
    )
    account.access_token, account.refresh_token, account.token_expires_at = (
        tokens.access_token,
        refresh_token,
        tokens.expires_at,
    )
    return bool(changed)
