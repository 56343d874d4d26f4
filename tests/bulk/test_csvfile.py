"""The file as a whole: its encoding, header, size and number of rows, refused before any row is checked."""

import pytest

from tests.bulk.conftest import csv_file
from tidings.bulk.csvfile import MAX_BYTES, MAX_ROWS, Row, read_rows
from tidings.core.errors import InvalidInput


def test_rows_are_read_with_a_byte_order_mark_and_numbered_as_a_spreadsheet_shows_them() -> None:
    data = "\ufefftext,accounts,media_urls,alt_texts,scheduled_at\n".encode() + (
        b'Hello,@a|mastodon:@b,https://x.test/1.png  https://x.test/2.png,"|A dog",2027-03-02 09:00\n'
        b",,,,\n"
        b"Second,7,,,\n"
    )
    assert read_rows(data) == [
        Row(
            number=2,
            text="Hello",
            link="",
            media_urls=("https://x.test/1.png", "https://x.test/2.png"),
            alt_texts=("", "A dog"),
            accounts=("@a", "mastodon:@b"),
            scheduled_at="2027-03-02 09:00",
        ),
        Row(number=4, text="Second", link="", media_urls=(), alt_texts=(), accounts=("7",), scheduled_at=""),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"text,accounts,colour\nHi,@a,red\n", "Unknown column 'colour'"),
        (b"text,text,accounts\n", "The column 'text' appears twice"),
        (b"text,link\nHi,\n", "no 'accounts' column"),
        (b"text,accounts\n", "a header but no posts"),
        (b"text,accounts\nHi,@a,extra\n", "Row 2 has more cells than the header has columns"),
        ("text,accounts\nOl\u00e1,@a\n".encode("latin-1"), "not UTF-8"),
        (b"text,accounts\nHi\x00,@a\n", "not CSV text"),
    ],
)
def test_a_file_that_is_not_an_import_is_refused_whole(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_rows(data)


def test_size_and_row_limits() -> None:
    with pytest.raises(InvalidInput, match="larger than 1024 KB"):
        read_rows(b"text,accounts\n" + b"x" * MAX_BYTES)
    many = csv_file(*[{"text": f"Post {n}", "accounts": "@a"} for n in range(MAX_ROWS + 1)])
    with pytest.raises(InvalidInput, match=f"more than {MAX_ROWS} posts"):
        read_rows(many)
    assert len(read_rows(csv_file(*[{"text": f"Post {n}", "accounts": "@a"} for n in range(MAX_ROWS)]))) == MAX_ROWS
