from typing import Literal

from ninja import Field, Schema

from tidings.api.schemas import NO_NUL, Input
from tidings.tagging.models import VALUE_LENGTH, AccountTagging
from tidings.tagging.selectors import PostChoice, Values

SOURCE_HELP = "Blank: the platform's name (x, mastodon, linkedin, ...)."
MEDIUM_HELP = "Blank: social."


class UtmValues(Schema):
    source: str = Field("", max_length=VALUE_LENGTH, pattern=NO_NUL, description=SOURCE_HELP)
    medium: str = Field("", max_length=VALUE_LENGTH, pattern=NO_NUL, description=MEDIUM_HELP)
    campaign: str = Field("", max_length=VALUE_LENGTH, pattern=NO_NUL)
    term: str = Field("", max_length=VALUE_LENGTH, pattern=NO_NUL)
    content: str = Field("", max_length=VALUE_LENGTH, pattern=NO_NUL)

    def values(self) -> Values:
        return Values(
            source=self.source, medium=self.medium, campaign=self.campaign, term=self.term, content=self.content
        )


class AccountUtmIn(Input, UtmValues):
    enabled: bool = Field(description="Tag every http(s) link of this account's posts when they go out.")


class AccountUtmOut(UtmValues):
    enabled: bool

    @classmethod
    def of(cls, row: AccountTagging | None) -> "AccountUtmOut":
        return cls(enabled=bool(row and row.enabled), **Values.of(row).as_dict())


PostMode = Literal["accounts", "on", "off"]
MODE_HELP = (
    "accounts: as each account is set; on: tag every link with these values (blank ones take each account's); "
    "off: no tags on this post. Tags are added when the post goes out; its stored text stays as written."
)


class PostUtmIn(Input, UtmValues):
    mode: PostMode = Field("accounts", description=MODE_HELP)


class PostUtmOut(UtmValues):
    mode: PostMode = Field(description=MODE_HELP)

    @classmethod
    def of(cls, choice: PostChoice) -> "PostUtmOut":
        return cls(mode=choice.mode, **choice.values.as_dict())  # type: ignore[arg-type]
