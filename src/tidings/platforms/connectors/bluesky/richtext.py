"""Mentions as `app.bsky.richtext.facet#mention`, beside the link and tag facets of `records.facets`.

A mention names an account by its DID, so each @handle is resolved with com.atproto.identity.resolveHandle on the
account's PDS. The facet covers the "@" and the handle, in UTF-8 byte offsets
(https://docs.bsky.app/docs/advanced-guides/post-richtext, "Mentions"). Handle syntax:
https://atproto.com/specs/handle#handle-identifier-syntax (dot-separated labels, the last starting with a letter).
"""

import re
from typing import Any

from tidings.platforms.base import PermanentError
from tidings.platforms.connectors.bluesky import records, xrpc

# Not after a word character, "@" or "." (so an e-mail address is not a mention).
MENTION_RE = re.compile(
    r"(?<![\w@.])@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
    r"(?![\w-])"
)


def resolve_handle(base_url: str, handle: str) -> str | None:
    """The DID behind `handle`, or None when no account has it (the PDS answers 400 "Unable to resolve handle").

    Other failures (the PDS down, a rate limit) are raised: the post waits for a retry rather than losing its
    mentions."""
    try:
        answer = xrpc.call("GET", base_url, "com.atproto.identity.resolveHandle", params={"handle": handle.lower()})
    except PermanentError:
        return None
    did = answer.get("did")
    return did if isinstance(did, str) and did.startswith("did:") else None


def facets(base_url: str, text: str, *, resolved: dict[str, str | None] | None = None) -> list[dict[str, Any]]:
    """All facets of `text`: links, tags and the mentions whose handles resolve. A handle that does not resolve
    stays plain text, as Bluesky's own app leaves it. `resolved` caches handles across the parts of a thread."""
    found = records.facets(text)
    taken = [(f["index"]["byteStart"], f["index"]["byteEnd"]) for f in found]
    cache = resolved if resolved is not None else {}
    for match in MENTION_RE.finditer(text):
        start, end = len(text[: match.start()].encode()), len(text[: match.end()].encode())
        if any(s < end and start < e for s, e in taken):
            continue  # inside a link (https://bsky.app/profile/@someone)
        handle = match.group(1).lower()
        if handle not in cache:
            cache[handle] = resolve_handle(base_url, handle)
        if did := cache[handle]:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
            found.append({"index": {"byteStart": start, "byteEnd": end}, "features": [feature]})
    return sorted(found, key=lambda facet: facet["index"]["byteStart"])
