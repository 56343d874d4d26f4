"""Whether an upload is a whole PDF, read from its structure rather than its name (ISO 32000-1, 7.5 "File Structure").

A PDF starts with its header (`%PDF-1.0` to `%PDF-1.7`, or `%PDF-2.0`) and ends with `startxref`, the byte offset of
the last cross-reference section, and `%%EOF`; that offset must land on a cross-reference table (`xref`) or stream
(an indirect object `N G obj`) inside the file. A file cut short, or other bytes behind a PDF-looking start, fail.
"""

import re

from django.core.files.uploadedfile import UploadedFile

HEADER = re.compile(rb"^%PDF-(?:1\.[0-7]|2\.0)[\r\n \t%]")
# Writers may leave a few bytes (line ends, padding) after %%EOF; 1024 bytes is what readers such as pdf.js allow.
TAIL_BYTES = 1024
TRAILER = re.compile(rb"startxref\s+(\d{1,20})\s+%%EOF\s*\Z")
XREF = re.compile(rb"\s*(?:xref|\d{1,10}\s+\d{1,5}\s+obj)\b")


def is_pdf(upload: UploadedFile) -> bool:
    """True when the file has a PDF's header, trailer and a cross-reference section where the trailer says."""
    size = upload.size or 0
    try:
        upload.seek(0)
        if not HEADER.match(upload.read(16)):
            return False
        upload.seek(max(0, size - TAIL_BYTES))
        tail = upload.read(TAIL_BYTES)
        trailer = TRAILER.match(tail[tail.rfind(b"startxref") :]) if b"startxref" in tail else None
        if trailer is None:
            return False
        offset = int(trailer.group(1))
        if not 0 < offset < size:
            return False
        upload.seek(offset)
        return XREF.match(upload.read(32)) is not None
    finally:
        upload.seek(0)
