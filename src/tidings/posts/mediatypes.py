"""The kinds of file Tidings stores and serves, and the one extension each is stored under.

A stored name's extension comes from the type the content was parsed as, never from the client's file name, and
`/media/` serves only these extensions, each as its type: an upload can only ever come back as passive media.
"""

EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "application/pdf": "pdf",
}
# Served as a download (`Content-Disposition: attachment`), never shown inline: a PDF can carry scripts and forms.
DOWNLOADS = frozenset({"pdf"})
TYPES: dict[str, str] = {extension: mime for mime, extension in EXTENSIONS.items()}
