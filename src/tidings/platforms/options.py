"""Per-post choices each platform offers (a YouTube video's privacy, a Mastodon content warning, a Pinterest board).

One pydantic model per platform holds the defaults and the rules; `clean_options` checks what a user sent before it
is stored on the target (`PostTarget.options`) or a rule (`AutomationRule.platform_options`), and `options_for`
gives a connector the stored choices with the defaults filled in. Platforms without a model take no options.
"""

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tidings.core.errors import InvalidInput
from tidings.platforms.models import Platform, SocialAccount

# ISO 639-1, the two-letter codes Mastodon's `language` takes (https://docs.joinmastodon.org/methods/statuses/#create).
_ISO_639_1_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee "
    "el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is "
    "it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms "
    "mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk "
    "sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
    "yo za zh zu"
)
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())
# A BCP 47 tag as the `langs` of an `app.bsky.feed.post` record takes it: a primary language, then subtags ("pt-BR").
BCP_47 = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class YouTubeOptions(_Options):
    """https://developers.google.com/youtube/v3/docs/videos#properties: a title of at most 100 characters without
    < or >, `status.privacyStatus`, `status.selfDeclaredMadeForKids`, and `snippet.tags` (500 characters in all)."""

    title: str = Field("", max_length=100, description="The video's title; blank takes the text's first line.")
    privacy: Literal["public", "unlisted", "private"] = "public"
    made_for_kids: bool = Field(False, description="Declared as made for children (COPPA).")
    tags: list[str] = Field(default_factory=list, description="Keywords; 500 characters in all.")

    @field_validator("title")
    @classmethod
    def _no_angle_brackets(cls, title: str) -> str:
        if "<" in title or ">" in title:
            raise ValueError("a YouTube title cannot contain < or >")
        return title

    @field_validator("tags")
    @classmethod
    def _tags_fit(cls, tags: list[str]) -> list[str]:
        tags = [tag.strip() for tag in tags if tag.strip()]
        if any("<" in tag or ">" in tag for tag in tags):
            raise ValueError("tags cannot contain < or >")
        # YouTube counts the commas between tags, and a tag with a space as if it were quoted.
        total = sum(len(tag) + (2 if " " in tag else 0) for tag in tags) + max(len(tags) - 1, 0)
        if total > 500:
            raise ValueError(f"the tags come to {total} characters; YouTube allows 500 in all")
        return tags


TikTokPrivacy = Literal["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]


class TikTokOptions(_Options):
    """What TikTok's Content Sharing Guidelines ask the user to choose (https://developers.tiktok.com/doc/
    content-sharing-guidelines): who can see the video (no preset), whether others may comment, duet or stitch
    (off unless turned on), whether it promotes the creator's own brand or another's (the commercial-content
    disclosure), and whether it is AI-generated."""

    privacy_level: TikTokPrivacy | None = Field(None, description="One of the creator's `privacy_level_options`.")
    allow_comment: bool = False
    allow_duet: bool = False
    allow_stitch: bool = False
    commercial: bool = Field(False, description="The video promotes a brand, product or service.")
    your_brand: bool = Field(False, description="It promotes the creator's own business (brand_organic_toggle).")
    branded_content: bool = Field(False, description="It is a paid partnership (brand_content_toggle).")
    ai_generated: bool = Field(False, description="Labelled as AI-generated content (is_aigc).")

    @model_validator(mode="after")
    def _disclosure_complete(self) -> "TikTokOptions":
        if not self.commercial:
            self.your_brand = self.branded_content = False
        elif not (self.your_brand or self.branded_content):
            raise ValueError(
                "you said the video promotes something: say whether it is your brand, branded content, or both"
            )
        if self.branded_content and self.privacy_level == "SELF_ONLY":
            raise ValueError("branded content cannot be private (only me); choose who else can see it")
        return self


class PinterestOptions(_Options):
    """The board a Pin goes to (blank: the account's default), its title, 100 characters (pins-create), and for a
    video Pin the second its cover is taken from (`cover_image_key_frame_time`)."""

    board_id: str = Field("", max_length=64, pattern=r"^[0-9A-Za-z_-]*$")
    title: str = Field("", max_length=100, description="The Pin's title; blank takes the text's first line.")
    cover_seconds: int | None = Field(None, ge=0, le=12 * 3600, description="A video Pin's cover frame, in seconds.")


class LinkedInOptions(_Options):
    """A document post's title, shown above the document (the Posts API `content.media.title`)."""

    title: str = Field("", max_length=400, description="A document post's title; blank takes the text's first line.")


class MastodonOptions(_Options):
    """`visibility`, `spoiler_text` (the content warning) and `language` of POST /api/v1/statuses."""

    visibility: Literal["public", "unlisted", "private", "direct"] | None = Field(
        None, description="Blank: the account's own default visibility."
    )
    spoiler_text: str = Field("", max_length=500, description="A content warning shown before the post.")
    language: str = Field("", description="ISO 639-1, such as en; blank lets the server guess.")

    @field_validator("language")
    @classmethod
    def _iso_639_1(cls, language: str) -> str:
        language = language.lower()
        if language and language not in ISO_639_1:
            raise ValueError(f"'{language}' is not a two-letter ISO 639-1 language code (such as en or de)")
        return language


class BlueskyOptions(_Options):
    """The record's `langs`: at most 3 BCP 47 tags (the `app.bsky.feed.post` lexicon)."""

    langs: list[str] = Field(default_factory=list, max_length=3)

    @field_validator("langs")
    @classmethod
    def _bcp_47(cls, langs: list[str]) -> list[str]:
        langs = [lang.strip() for lang in langs if lang.strip()]
        wrong = [lang for lang in langs if not BCP_47.match(lang)]
        if wrong:
            raise ValueError(f"'{wrong[0]}' is not a language tag (such as en or pt-BR)")
        return list(dict.fromkeys(langs))


class XOptions(_Options):
    """Who may reply: POST /2/tweets `reply_settings` (https://docs.x.com/x-api/posts/create-post); everyone
    unless one of X's narrower settings is chosen."""

    reply_settings: Literal["everyone", "following", "mentionedUsers", "subscribers", "verified"] = "everyone"


M = TypeVar("M", bound=_Options)

MODELS: dict[str, type[_Options]] = {
    Platform.YOUTUBE: YouTubeOptions,
    Platform.TIKTOK: TikTokOptions,
    Platform.PINTEREST: PinterestOptions,
    Platform.LINKEDIN: LinkedInOptions,
    Platform.MASTODON: MastodonOptions,
    Platform.BLUESKY: BlueskyOptions,
    Platform.X: XOptions,
}


# How the messages name a field, where its name is not plain words.
FIELD_NAMES = {
    "langs": "languages",
    "spoiler_text": "content warning",
    "privacy_level": "privacy",
    "board_id": "board",
    "reply_settings": "reply settings",
    "made_for_kids": "made for kids",
    "cover_seconds": "cover",
}


def _label(platform: str) -> str:
    return Platform(platform).label if platform in Platform.values else platform


def _message(platform: str, error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(FIELD_NAMES.get(str(part), str(part)) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"{_label(platform)} has no option named '{first['loc'][0]}'."
    text = str(first["msg"]).removeprefix("Value error, ")
    return f"{_label(platform)} {where or 'options'}: {text}." if where else f"{_label(platform)}: {text}."


def options_help() -> str:
    """Each platform's options in a sentence, for the API's documentation."""
    described = []
    for platform, model in MODELS.items():
        fields = ", ".join(f"{name} ({_kind(field.annotation)})" for name, field in model.model_fields.items())
        described.append(f"{_label(platform)}: {fields}.")
    return " ".join(described) + " Other platforms take none."


def _kind(annotation: Any) -> str:
    """A field's type in words: "one of a, b or null", "list of str", "bool"."""
    args = [arg for arg in get_args(annotation) if arg is not type(None)]
    nullable = " or null" if type(None) in get_args(annotation) else ""
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(map(str, args))
    if get_origin(annotation) is list:
        return f"list of {_kind(args[0])}"
    if args:
        return _kind(args[0]) + nullable
    return getattr(annotation, "__name__", str(annotation))


def clean_options(platform: str, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The options as stored: checked against the platform's model, normalised, with its defaults filled in.

    Nothing given gives {}; options for a platform without any are refused, with a message safe to show.
    """
    if not raw:
        return {}
    model = MODELS.get(platform)
    if model is None:
        raise InvalidInput(f"{_label(platform)} takes no post options.", field="options")
    if "\\u0000" in json.dumps(dict(raw), default=str):
        # PostgreSQL's JSON cannot hold a NUL character, and no honest option needs one.
        raise InvalidInput(f"{_label(platform)} options cannot contain NUL characters.", field="options")
    try:
        return model.model_validate(dict(raw)).model_dump(mode="json")
    except ValidationError as error:
        raise InvalidInput(_message(platform, error), field="options", platform=platform) from None


def account_options(
    accounts: Iterable[SocialAccount], options: Mapping[int, Mapping[str, Any]] | None
) -> dict[int, dict[str, Any]]:
    """Each named account's options, cleaned for its platform; options for an account not among `accounts` are
    refused, so nothing chosen is silently dropped."""
    by_id = {account.pk: account for account in accounts}
    unknown = set(options or {}) - set(by_id)
    if unknown:
        raise InvalidInput("Options were given for an account that is not on this post.", field="options")
    cleaned: dict[int, dict[str, Any]] = {}
    for account_id, raw in (options or {}).items():
        try:
            cleaned[account_id] = clean_options(by_id[account_id].platform, raw)
        except InvalidInput as error:
            raise InvalidInput(
                f"{by_id[account_id]}: {error.message}", **error.details, account_id=account_id
            ) from None
    return cleaned


def clean_platform_options(raw: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """An automation rule's options, keyed by platform, each cleaned as a post's; empty entries are dropped."""
    cleaned: dict[str, dict[str, Any]] = {}
    for platform, options in (raw or {}).items():
        if platform not in Platform.values:
            raise InvalidInput(f"'{platform}' is not a platform.", field="platform_options")
        if not isinstance(options, Mapping):
            raise InvalidInput(f"{_label(platform)}: options must be an object.", field="platform_options")
        try:
            options = clean_options(platform, options)
        except InvalidInput as refusal:
            raise InvalidInput(refusal.message, field="platform_options", platform=platform) from None
        if options:
            cleaned[platform] = options
    return cleaned


def options_for(model: type[M], stored: Mapping[str, Any] | None) -> M:
    """A target's stored options as its platform's model, with the defaults where nothing was chosen: what a
    connector reads from `content.options`."""
    return model.model_validate(dict(stored or {}))


def effective_options(platform: str, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a target will be sent with, defaults included (shown by the API); {} for a platform without options."""
    model = MODELS.get(platform)
    return {} if model is None else model.model_validate(dict(stored or {})).model_dump(mode="json")
