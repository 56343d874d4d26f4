"""Reading an import file: UTF-8 CSV (a spreadsheet's byte order mark is fine) with a header row naming the columns
in `COLUMNS`, at most `MAX_BYTES` and `MAX_ROWS` posts. The whole file is refused, before any row is looked at,
when it is not such a file; a row's own problems are the preview's business (`tidings.bulk.checks`).

Row numbers are a spreadsheet's: the header is row 1, the first post row 2."""

import csv
import io
import re
from dataclasses import dataclass

from tidings.core.errors import InvalidInput

MAX_BYTES = 1024 * 1024
MAX_ROWS = 500
COLUMNS = ("text", "link", "media_urls", "alt_texts", "accounts", "scheduled_at")
REQUIRED = ("text", "accounts")
NOT_UTF8 = "The file is not UTF-8 text; save it from your spreadsheet as CSV UTF-8."
# Media addresses are separated by spaces or "|"; accounts and alt texts (which have spaces) by "|".
_URL_SEPARATORS = re.compile(r"[\s|]+")


@dataclass(frozen=True)
class Row:
    number: int
    text: str
    link: str
    media_urls: tuple[str, ...]
    alt_texts: tuple[str, ...]
    accounts: tuple[str, ...]
    scheduled_at: str


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


def check_size(size: int) -> None:
    """Refuse a file over `MAX_BYTES` before it is read."""
    if size > MAX_BYTES:
        raise InvalidInput(
            f"The file is larger than {MAX_BYTES // 1024} KB; split it into smaller files.", field="file"
        )


def read_rows(data: bytes) -> list[Row]:
    """The file's post rows, blank lines left out (their numbers are kept, so the report matches the sheet)."""
    check_size(len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(NOT_UTF8, field="file") from None
    if "\x00" in text:
        raise InvalidInput("The file is not CSV text.", field="file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        records = list(reader)
    except csv.Error as error:
        raise InvalidInput(f"The file is not valid CSV: {error}.", field="file") from None
    _check_header(header)
    rows = []
    for number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            raise InvalidInput(f"Row {number} has more cells than the header has columns.", field="file")
        cells = dict(zip(header, [cell.strip() for cell in record], strict=False))
        rows.append(
            Row(
                number=number,
                text=cells.get("text", ""),
                link=cells.get("link", ""),
                media_urls=tuple(url for url in _URL_SEPARATORS.split(cells.get("media_urls", "")) if url),
                alt_texts=tuple(part.strip() for part in cells.get("alt_texts", "").split("|"))
                if cells.get("alt_texts")
                else (),
                accounts=_split(cells.get("accounts", "")),
                scheduled_at=cells.get("scheduled_at", ""),
            )
        )
        if len(rows) > MAX_ROWS:
            raise InvalidInput(f"The file has more than {MAX_ROWS} posts; split it into smaller files.", field="file")
    if not rows:
        raise InvalidInput("The file has a header but no posts.", field="file")
    return rows


def _check_header(header: list[str]) -> None:
    if not any(header):
        raise InvalidInput(f"The file is empty; its first row names the columns: {', '.join(COLUMNS)}.", field="file")
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise InvalidInput(f"Unknown column {unknown[0]!r}; the columns are {', '.join(COLUMNS)}.", field="file")
    repeated = {name for name in header if header.count(name) > 1}
    if repeated:
        raise InvalidInput(f"The column {sorted(repeated)[0]!r} appears twice.", field="file")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(f"The file has no {missing[0]!r} column; it is needed.", field="file")
