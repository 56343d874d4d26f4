"""What every connector shares: defaults for the parts of the interface a platform does not use."""

from typing import ClassVar

from tidings.platforms.base import (
    AuthorizationRequest,
    Capabilities,
    Identity,
    PermanentError,
    Published,
    TokenSet,
)
from tidings.platforms.models import SocialAccount


class BaseConnector:
    platform: ClassVar[str]
    capabilities: ClassVar[Capabilities] = Capabilities()
    connect_method: ClassVar[str] = "oauth"

    def is_configured(self) -> bool:
        return True

    def start_connect(self, *, redirect_uri: str, instance: str = "") -> AuthorizationRequest:
        raise PermanentError(f"{self.platform} accounts connect with credentials, not a sign-in redirect.")

    def finish_connect(
        self, *, code: str, redirect_uri: str, session_data: dict[str, str]
    ) -> tuple[Identity, TokenSet]:
        raise PermanentError(f"{self.platform} accounts connect with credentials, not a sign-in redirect.")

    def connect_with_credentials(self, fields: dict[str, str]) -> tuple[Identity, TokenSet]:
        raise PermanentError(f"{self.platform} accounts connect through the platform's sign-in page.")

    def refresh_credentials(self, account: SocialAccount) -> TokenSet:
        """Platforms whose tokens do not expire keep what they have."""
        return TokenSet(access_token=account.access_token, refresh_token=account.refresh_token)

    def find_published(self, account: SocialAccount, *, idempotency_key: str) -> Published | None:
        return None
