"""What every connector shares: defaults for the parts of the interface a platform does not use, and the OAuth 2
sign-in of the platforms that connect through the operator's app."""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import ClassVar

from tidings.platforms.base import (
    AuthorizationRequest,
    Capabilities,
    Content,
    Identity,
    PermanentError,
    Published,
    TokenSet,
)
from tidings.platforms.connectors import oauth2
from tidings.platforms.connectors.oauth2 import OAuth2App
from tidings.platforms.models import SocialAccount
from tidings.platforms.rules import TextRules, platform_name, rules_for


class BaseConnector:
    platform: ClassVar[str]
    capabilities: ClassVar[Capabilities] = Capabilities()
    connect_method: ClassVar[str] = "oauth"
    # How long before its token expires the 10-minute sweep refreshes an account, set from the platform's token
    # lifetime: several sweeps before the end, so a passing outage of the platform does not let a sign-in run out.
    refresh_ahead: ClassVar[timedelta] = timedelta(minutes=30)
    # Whether a refresh needs a stored refresh token (most OAuth platforms) or uses the access token itself.
    refreshes_with_access_token: ClassVar[bool] = False

    @property
    def label(self) -> str:
        return platform_name(self.platform)

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

    def can_refresh(self, account: SocialAccount, *, now: datetime) -> bool:
        """Whether new tokens can be had without the user: a refused token is then refreshed before the account
        is marked "reconnect needed". Most platforms need a stored refresh token for it."""
        return bool(account.refresh_token)

    def text_rules(self, account: SocialAccount) -> TextRules:
        """The text limits this account posts under: the platform's, unless its server sets its own."""
        return rules_for(self.platform)

    def find_published(
        self, account: SocialAccount, *, idempotency_key: str, content: Content, sent_after: datetime | None
    ) -> Published | None:
        return None


class OAuthConnector(BaseConnector, ABC):
    """Sign-in through the operator's OAuth 2 app (`TIDINGS_<PLATFORM>_CLIENT_ID` and `_CLIENT_SECRET`).

    A platform says how its app behaves (`oauth_app`) and who signed in (`identify`); the authorization URL, the code
    exchange and the refresh are the same everywhere. A platform that swaps the first tokens for longer-lived ones
    does it in `exchange_code`.
    """

    # Extra query parameters of the authorization URL.
    authorize_params: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    def oauth_app(self, client_id: str, client_secret: str) -> OAuth2App:
        """How this platform's OAuth app behaves: URLs, scopes, PKCE, how the secret is sent."""

    def identify(self, tokens: TokenSet) -> Identity:
        """The account these tokens belong to. Platforms whose sign-in picks the account in further steps (a
        Facebook Page, an Instagram business account) override `finish_connect` instead."""
        raise PermanentError(f"{self.platform} chooses the account in its own sign-in steps.")

    def app(self) -> OAuth2App | None:
        """The OAuth app from the environment; None when the operator has not set it up."""
        credentials = oauth2.client_credentials(self.platform)
        return None if credentials is None else self.oauth_app(*credentials)

    def is_configured(self) -> bool:
        return self.app() is not None

    def configured_app(self) -> OAuth2App:
        app = self.app()
        if app is None:
            prefix = f"TIDINGS_{self.platform.upper()}"
            raise PermanentError(
                f"{self.label} is not set up on this server: set {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET."
            )
        return app

    def start_connect(self, *, redirect_uri: str, instance: str = "") -> AuthorizationRequest:
        return oauth2.authorization_request(
            self.configured_app(), redirect_uri=redirect_uri, extra=self.authorize_params
        )

    def finish_connect(
        self, *, code: str, redirect_uri: str, session_data: dict[str, str]
    ) -> tuple[Identity, TokenSet]:
        tokens = self.exchange_code(code=code, redirect_uri=redirect_uri, session_data=session_data)
        return self.identify(tokens), tokens

    def exchange_code(self, *, code: str, redirect_uri: str, session_data: dict[str, str]) -> TokenSet:
        # Without PKCE `start_connect` keeps no verifier, and none is sent.
        verifier = session_data.get("code_verifier", "")
        return oauth2.exchange_code(self.configured_app(), code=code, redirect_uri=redirect_uri, code_verifier=verifier)

    def refresh_credentials(self, account: SocialAccount) -> TokenSet:
        return oauth2.refresh(self.configured_app(), refresh_token=account.refresh_token)
