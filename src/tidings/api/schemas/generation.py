from ninja import Field, Schema

from tidings.api.schemas import NO_NUL, Input, Text
from tidings.generation.brief import MAX_VARIANTS
from tidings.generation.drafts import Draft
from tidings.platforms.models import Platform


class BriefFields(Input):
    topic: str = Field(min_length=1, max_length=1000, pattern=NO_NUL, description="What the post is about.")
    tone: str = Field("", max_length=200, pattern=NO_NUL)
    audience: str = Field("", max_length=200, pattern=NO_NUL)
    call_to_action: str = Field("", max_length=300, pattern=NO_NUL)
    language: str = Field("English", max_length=50, pattern=NO_NUL)
    link: str = Field("", max_length=2000, pattern=NO_NUL)
    hashtags: list[str] = Field(default_factory=list, max_length=30)


class GenerateIn(BriefFields):
    platforms: list[Platform] = Field(min_length=1, max_length=len(Platform.values))
    variants: int = Field(1, ge=1, le=MAX_VARIANTS, description="Drafts per platform; each is one generation.")


class RewriteIn(Input):
    text: Text = Field(min_length=1)
    instruction: str = Field(min_length=1, max_length=500, pattern=NO_NUL, description='e.g. "more formal"')
    platform: Platform


class ShortenIn(Input):
    text: Text = Field(min_length=1)
    platform: Platform


class DraftOut(Schema):
    platform: str
    variant: int
    text: str
    parts: list[str] = Field(description="The text split into a thread where the platform has threads.")
    problems: list[str] = Field(description="What would stop it being published as it is.")

    @classmethod
    def of(cls, draft: Draft) -> "DraftOut":
        return cls(
            platform=draft.platform,
            variant=draft.variant,
            text=draft.text,
            parts=list(draft.parts),
            problems=list(draft.problems),
        )


class DraftsOut(Schema):
    drafts: list[DraftOut]
