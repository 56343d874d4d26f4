"""Errors that services raise: each carries a stable code and a message that is safe to show the user."""

from typing import Any


class DomainError(Exception):
    """A refused action. Nothing was changed; `code` and `details` travel to the UI and the API as they are."""

    code = "domain_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    """Input that fails validation; `field` names what to fix when one field is at fault."""

    code = "invalid_input"


class Conflict(DomainError):
    """The object is not in a state that allows the action (for example cancelling a published post)."""

    code = "conflict"


class PlatformUnavailable(DomainError):
    """The platform has no connector here, or the server lacks its configuration (an OAuth client id, say)."""

    code = "platform_unavailable"


class ConnectFailed(DomainError):
    """Connecting an account did not work: the platform refused, or could not be reached; nothing was stored."""

    code = "connect_failed"


class OAuthStateMismatch(DomainError):
    """A sign-in callback that this browser did not start (or started twice): refused, nothing is connected."""

    code = "oauth_state_mismatch"
