from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from tidings.api.schemas import NO_NUL, Input
from tidings.library.models import NAME_LENGTH, HashtagGroup, Snippet
from tidings.library.services import MAX_HASHTAGS, MAX_SNIPPET

Name = Field(min_length=1, max_length=NAME_LENGTH, pattern=NO_NUL)


class SnippetIn(Input):
    name: str = Name
    text: str = Field(min_length=1, max_length=MAX_SNIPPET, pattern=NO_NUL)


class SnippetOut(Schema):
    id: int
    name: str
    text: str
    author_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, snippet: Snippet) -> "SnippetOut":
        return cls(
            id=snippet.pk,
            name=snippet.name,
            text=snippet.text,
            author_id=snippet.author_id,
            created_at=snippet.created_at,
            updated_at=snippet.updated_at,
        )


class SnippetPage(Schema):
    items: list[SnippetOut]
    count: int
    limit: int
    offset: int


class HashtagGroupIn(Input):
    name: str = Name
    hashtags: list[Annotated[str, Field(max_length=100, pattern=NO_NUL)]] = Field(
        min_length=1,
        max_length=MAX_HASHTAGS,
        description=f"Each #word (a word without # gets one); repeats are dropped; at most {MAX_HASHTAGS}.",
    )


class HashtagGroupOut(Schema):
    id: int
    name: str
    hashtags: list[str]
    author_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, group: HashtagGroup) -> "HashtagGroupOut":
        return cls(
            id=group.pk,
            name=group.name,
            hashtags=list(group.hashtags),
            author_id=group.author_id,
            created_at=group.created_at,
            updated_at=group.updated_at,
        )


class HashtagGroupPage(Schema):
    items: list[HashtagGroupOut]
    count: int
    limit: int
    offset: int
