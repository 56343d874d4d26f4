"""A post's hand-written thread and its first comment, as the services keep them: the texts after the first post
(`Post.thread_parts`), which post each file goes with (`MediaAsset.part`), and the comment.

Checked here for shape only (how many, how long); whether each post fits its platform is the connectors' rule,
checked when the post is scheduled and shown per account in the composer.
"""

from collections.abc import Mapping, Sequence

from tidings.core.errors import InvalidInput
from tidings.platforms.connectors.thread import MAX_THREAD_PARTS
from tidings.posts.models import MediaAsset, Post

MAX_PART_CHARS = 20_000
MAX_COMMENT_CHARS = 10_000


def clean_thread_parts(parts: Sequence[str]) -> list[str]:
    """The posts after the first, as written (surrounding blanks trimmed); at most `MAX_THREAD_PARTS` in all."""
    if isinstance(parts, str) or not all(isinstance(part, str) for part in parts):
        raise InvalidInput("The thread's posts must be a list of texts.", field="thread_parts")
    cleaned = [part.strip() for part in parts]
    if len(cleaned) + 1 > MAX_THREAD_PARTS:
        raise InvalidInput(
            f"A thread holds at most {MAX_THREAD_PARTS} posts; this one has {len(cleaned) + 1}.", field="thread_parts"
        )
    for number, part in enumerate(cleaned, start=2):
        if len(part) > MAX_PART_CHARS:
            raise InvalidInput(
                f"Post {number} of the thread is longer than {MAX_PART_CHARS} characters.", field="thread_parts"
            )
    return cleaned


def clean_first_comment(comment: str) -> str:
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"The first comment is longer than {MAX_COMMENT_CHARS} characters.", field="first_comment")
    return comment.strip()


def place_media_in_parts(post: Post, media_parts: Mapping[int, int]) -> None:
    """Move the post's files to the posts of the thread named in `media_parts` (asset id -> part, 0 the first)."""
    assets = {asset.pk: asset for asset in MediaAsset.objects.select_for_update().filter(post=post)}
    unknown = [pk for pk in media_parts if pk not in assets]
    if unknown:
        raise InvalidInput("No such file on this post.", field="media")
    for pk, part in media_parts.items():
        check_part(post, part)
        if assets[pk].part != part:
            MediaAsset.objects.filter(pk=pk).update(part=part)


def check_part(post: Post, part: int) -> None:
    if not 0 <= part <= len(post.thread_parts or []):
        raise InvalidInput(f"This post has no post {part + 1} in its thread to attach the file to.", field="media")


def check_media_parts(post: Post) -> None:
    """Every file goes with a post of the thread: a post taken out takes its files off first (nothing is lost by
    accident)."""
    orphan = MediaAsset.objects.filter(post=post, part__gt=len(post.thread_parts or [])).order_by("part").first()
    if orphan is not None:
        raise InvalidInput(
            f"Post {orphan.part + 1} of the thread still has files: take them off, or move them to another post, "
            "before taking that post out.",
            field="thread_parts",
        )
