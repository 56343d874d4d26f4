"""Which tags a post's links get on one account: the account's setting, overridden or switched off by the post's own
choice. Read by publishing (what goes out), the composer's preview and the API."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from tidings.platforms.models import SocialAccount
from tidings.posts.models import Post, PostTarget
from tidings.tagging.models import AccountTagging, PostMode, PostTagging
from tidings.tagging.utm import DEFAULT_MEDIUM, FIELDS, Tags


@dataclass(frozen=True)
class Values:
    """UTM values as someone set them; blank ones fall back (to the account's, then to the defaults)."""

    source: str = ""
    medium: str = ""
    campaign: str = ""
    term: str = ""
    content: str = ""

    @classmethod
    def of(cls, row: AccountTagging | PostTagging | None) -> "Values":
        return cls(**{name: getattr(row, name) for name in FIELDS}) if row is not None else cls()

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class PostChoice:
    mode: str = PostMode.ACCOUNTS
    values: Values = field(default_factory=Values)


def account_tagging(account: SocialAccount) -> AccountTagging | None:
    try:
        return account.tagging
    except AccountTagging.DoesNotExist:
        return None


def post_choice(post: Post | None) -> PostChoice:
    """The post's own choice; "as each account is set" for a post without one (or not saved yet)."""
    if post is None or post.pk is None:
        return PostChoice()
    try:
        row = post.tagging
    except PostTagging.DoesNotExist:
        return PostChoice()
    return PostChoice(row.mode, Values.of(row))


def resolve(platform: str, account: AccountTagging | None, choice: PostChoice) -> Tags | None:
    """The tags for one account, or None when its links stay as written."""
    if choice.mode == PostMode.OFF:
        return None
    if choice.mode == PostMode.ACCOUNTS and (account is None or not account.enabled):
        return None
    base = Values.of(account)
    over = choice.values if choice.mode == PostMode.ON else Values()
    picked = {name: getattr(over, name) or getattr(base, name) for name in FIELDS}
    picked["source"] = picked["source"] or platform
    picked["medium"] = picked["medium"] or DEFAULT_MEDIUM
    return Tags(**picked)


def target_tags(target: PostTarget) -> Tags | None:
    return resolve(target.platform, account_tagging(target.account), post_choice(target.post))


def tags_by_account(accounts: Iterable[SocialAccount], choice: PostChoice) -> dict[int, Tags | None]:
    """Each account's tags under a choice not saved yet (the composer's, as it is being written)."""
    accounts = list(accounts)
    rows = {row.account_id: row for row in AccountTagging.objects.filter(account__in=accounts)}
    return {account.pk: resolve(account.platform, rows.get(account.pk), choice) for account in accounts}
