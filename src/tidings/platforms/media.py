"""Media rules per platform, checked one way for all: counts, types, sizes, video length and shape.

Each connector declares its `MediaRules`; `media_problems` says, in words a user can act on, what breaks them.
"""

from dataclasses import dataclass, field

MB = 1024 * 1024


@dataclass(frozen=True)
class MediaItem:
    """What the rules need to know about one attached file (from `posts.MediaAsset`)."""

    path: str
    kind: str  # image, video, gif or document
    mime_type: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    alt_text: str = ""


@dataclass(frozen=True)
class MediaRules:
    max_items: int = 4
    image_types: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
    video_types: frozenset[str] = frozenset({"video/mp4", "video/quicktime"})
    max_image_bytes: int = 5 * MB
    max_video_bytes: int = 512 * MB
    max_videos: int = 1
    # Images and a video in one post.
    mixed: bool = False
    min_video_seconds: float = 0.0
    max_video_seconds: float | None = None
    # Width / height, inclusive; None for no limit.
    min_aspect: float | None = None
    max_aspect: float | None = None
    requires_media: bool = False
    requires_video: bool = False
    # Documents (PDF) the platform takes as a post of their own; none but LinkedIn's do.
    document_types: frozenset[str] = frozenset()
    max_document_bytes: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


def _aspect(item: MediaItem) -> float | None:
    if not item.width or not item.height:
        return None
    return item.width / item.height


def media_problems(platform_label: str, rules: MediaRules, media: tuple[MediaItem, ...]) -> list[str]:
    problems: list[str] = []
    videos = [m for m in media if m.kind == "video"]
    if rules.requires_video and not videos:
        problems.append(f"{platform_label} needs a video.")
    elif rules.requires_media and not media:
        problems.append(f"{platform_label} needs an image or a video.")
    if len(media) > rules.max_items:
        problems.append(f"{platform_label} takes at most {rules.max_items} attachments; this post has {len(media)}.")
    if len(videos) > rules.max_videos:
        problems.append(f"{platform_label} takes at most {rules.max_videos} video(s) per post.")
    if videos and len(videos) < len(media) and not rules.mixed:
        problems.append(f"{platform_label} does not mix images and video in one post.")
    for item in media:
        name = item.path.rsplit("/", 1)[-1]
        if item.kind == "document":
            problems.extend(_document_problems(platform_label, rules, item, name))
        elif item.kind == "video":
            problems.extend(_video_problems(platform_label, rules, item, name))
        elif item.mime_type not in rules.image_types:
            problems.append(f"{name}: {platform_label} does not take {item.mime_type} images.")
        elif item.size_bytes > rules.max_image_bytes:
            problems.append(
                f"{name} is {item.size_bytes / MB:.1f} MB; {platform_label} takes images up to "
                f"{rules.max_image_bytes / MB:.0f} MB."
            )
    return problems


def _video_problems(platform_label: str, rules: MediaRules, item: MediaItem, name: str) -> list[str]:
    problems = []
    if item.mime_type not in rules.video_types:
        problems.append(f"{name}: {platform_label} does not take {item.mime_type} video.")
    if item.size_bytes > rules.max_video_bytes:
        problems.append(
            f"{name} is {item.size_bytes / MB:.0f} MB; {platform_label} takes video up to "
            f"{rules.max_video_bytes / MB:.0f} MB."
        )
    seconds = item.duration_seconds
    if seconds is not None and seconds < rules.min_video_seconds:
        problems.append(f"{name} lasts {seconds:.1f} s; {platform_label} needs at least {rules.min_video_seconds:g} s.")
    if seconds is not None and rules.max_video_seconds is not None and seconds > rules.max_video_seconds:
        problems.append(f"{name} lasts {seconds:.0f} s; {platform_label} takes at most {rules.max_video_seconds:g} s.")
    aspect = _aspect(item)
    if aspect is not None and rules.min_aspect is not None and aspect < rules.min_aspect - 1e-3:
        problems.append(f"{name} is too tall for {platform_label} ({item.width}x{item.height}).")
    if aspect is not None and rules.max_aspect is not None and aspect > rules.max_aspect + 1e-3:
        problems.append(f"{name} is too wide for {platform_label} ({item.width}x{item.height}).")
    return problems


def document_problems(platform_label: str, media: tuple[MediaItem, ...]) -> list[str]:
    """For a destination without media rules of its own (a webhook): documents are refused, as everywhere but
    LinkedIn."""
    return [
        problem
        for item in media
        if item.kind == "document"
        for problem in _document_problems(platform_label, MediaRules(), item, item.path.rsplit("/", 1)[-1])
    ]


def _document_problems(platform_label: str, rules: MediaRules, item: MediaItem, name: str) -> list[str]:
    if not rules.document_types:
        return [f"{name}: {platform_label} does not take documents; only LinkedIn posts PDFs. Remove it here."]
    if item.mime_type not in rules.document_types:
        return [f"{name}: {platform_label} does not take {item.mime_type} documents."]
    if item.size_bytes > rules.max_document_bytes:
        return [
            f"{name} is {item.size_bytes / MB:.0f} MB; {platform_label} takes documents up to "
            f"{rules.max_document_bytes / MB:.0f} MB."
        ]
    return []
