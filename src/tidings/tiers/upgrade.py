"""How a user moves to a bigger plan on this server: the operator's upgrade page (TIDINGS_UPGRADE_URL), an address
to write to (TIDINGS_UPGRADE_CONTACT), or else the person who runs the server. Pages show the words, never the
setting names; `tidings doctor` tells the operator which is in force."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tidings.posts.models import is_web_address


@dataclass(frozen=True)
class UpgradePath:
    url: str  # the operator's page for changing plans (a web address), or ""
    contact: str  # whom to ask: an email address, or a name or a sentence, or ""
    contact_url: str  # mailto: for an email address, the address itself for a web one, else ""

    @property
    def self_service(self) -> bool:
        return bool(self.url)


def _contact_url(contact: str) -> str:
    if is_web_address(contact):
        return contact
    try:
        validate_email(contact)
    except ValidationError:
        return ""
    return f"mailto:{contact}"


def upgrade_path() -> UpgradePath:
    """The way to upgrade as configured; a URL that is not a web address is ignored (doctor says so)."""
    url = settings.TIDINGS_UPGRADE_URL if is_web_address(settings.TIDINGS_UPGRADE_URL) else ""
    contact = settings.TIDINGS_UPGRADE_CONTACT
    return UpgradePath(url=url, contact=contact, contact_url=_contact_url(contact) if contact else "")
