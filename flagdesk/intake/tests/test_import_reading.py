"""Reading spreadsheets: encodings, delimiters, header words, XLSX, and files refused whole."""

from __future__ import annotations

import io
import zipfile

import pytest

from flagdesk.intake.imports.reading import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportRefused,
    ImportTooLarge,
    read_sheet,
)

from .import_files import csv_bytes, xlsx_bytes

ROWS = [
    ["URL", "Description"],
    ["https://social.test/p/1", "Photo publiée sans accord, « Zoë » à Liège"],
    ["https://social.test/p/2", "Ärger über Straße"],
]


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8 (BOM)"),
        ("utf-16", "UTF-16 LE"),  # Python writes the BOM and little-endian
        ("utf-16-be", "UTF-16 BE"),
        ("cp1252", "Windows-1252"),
    ],
)
def test_each_encoding_reads_the_accents_and_says_which_it_was(encoding, name):
    data = csv_bytes(ROWS, encoding=encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    sheet = read_sheet(data, "links.csv")
    assert sheet.encoding == name
    assert [r.values["description"] for r in sheet.rows] == [ROWS[1][1], ROWS[2][1]]
    assert sheet.rows[0].values["url"] == "https://social.test/p/1"
    assert sheet.rows[0].number == 2  # the header is row 1, as the spreadsheet shows it


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_sniffed(delimiter):
    rows = [["lien", "phénomène", "commentaire"], ["https://social.test/a", "ncii", "a, b; c"]]
    sheet = read_sheet(csv_bytes(rows, delimiter=delimiter), "x.csv")
    assert sheet.delimiter == delimiter
    assert sheet.rows[0].values == {
        "url": "https://social.test/a",
        "phenomenon": "ncii",
        "description": "a, b; c",
    }


def test_header_words_in_four_languages_and_ignored_columns_are_named():
    rows = [
        [
            "Adres",
            "Fenomeen",
            "Beschreibung",
            "Post-ID",
            "Konto",
            "Geplaatst op",
            "Erfasst am",
            "x",
        ],
        ["https://social.test/a", "", "", "42", "@alias", "", "", "?"],
    ]
    sheet = read_sheet(csv_bytes(rows), "x.csv")
    assert set(sheet.columns.values()) == {
        "url", "phenomenon", "description", "post_id", "account", "posted_at", "captured_at"
    }  # fmt: skip
    assert sheet.ignored == ["x"]


def test_a_file_without_header_is_a_column_of_urls():
    sheet = read_sheet(b"https://social.test/a\nhttps://social.test/b\n", "urls.txt")
    assert [(r.number, r.values["url"]) for r in sheet.rows] == [
        (1, "https://social.test/a"),
        (2, "https://social.test/b"),
    ]


def test_blank_lines_are_skipped_but_row_numbers_stay_those_of_the_sheet():
    sheet = read_sheet(b"url\n\nhttps://social.test/a\n,\nhttps://social.test/b\n", "x.csv")
    assert [r.number for r in sheet.rows] == [3, 5]


def test_formulas_in_a_csv_are_text():
    sheet = read_sheet(csv_bytes([["url"], ['=HYPERLINK("https://evil.test")']]), "x.csv")
    assert sheet.rows[0].values["url"] == '=HYPERLINK("https://evil.test")'


def test_no_url_column_is_refused_with_the_words_to_use():
    with pytest.raises(ImportRefused, match="url"):
        read_sheet(csv_bytes([["name", "age"], ["x", "1"]]), "x.csv")


def test_too_many_rows_are_refused_with_their_count():
    data = b"url\n" + b"https://social.test/p\n" * (MAX_ROWS + 3)
    with pytest.raises(ImportRefused) as refused:
        read_sheet(data, "x.csv")
    assert f"{MAX_ROWS + 3}" in str(refused.value.message)


def test_a_file_over_the_size_cap_is_refused():
    with pytest.raises(ImportTooLarge):
        read_sheet(b"u" * (MAX_FILE_BYTES + 1), "x.csv")


def test_xlsx_first_sheet_values_not_formulas():
    data = xlsx_bytes(
        [
            ["URL", "Description", "post_id"],
            ["https://social.test/x/1", "=1+1", 1234567],
            ["https://social.test/x/2", '=HYPERLINK("https://evil.test","click")', None],
        ]
    )
    sheet = read_sheet(data, "links.xlsx")
    assert sheet.format == "xlsx" and sheet.sheet_name == "Links"
    [first, second] = sheet.rows
    assert first.values["post_id"] == "1234567"
    # openpyxl stores formulas without a computed value: the cell's value is empty, and
    # the formula itself is never read, let alone run.
    assert first.values["description"] == "" and second.values["description"] == ""


def test_xlsx_named_sheet():
    data = xlsx_bytes([["nothing"]], second=("Liens", [["lien"], ["https://social.test/n"]]))
    sheet = read_sheet(data, "links.xlsx", sheet="Liens")
    assert sheet.rows[0].values["url"] == "https://social.test/n"
    with pytest.raises(ImportRefused, match="Liens"):
        read_sheet(data, "links.xlsx", sheet="Other")


def test_an_xlsx_that_is_not_a_zip_is_refused():
    with pytest.raises(ImportRefused, match="zip"):
        read_sheet(b"url\nhttps://social.test/a\n", "links.xlsx")


def test_a_zip_bomb_is_refused_unread():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(ImportRefused, match="zip bomb"):
        read_sheet(out.getvalue(), "bomb.xlsx")


def test_a_zip_that_is_no_workbook_and_an_old_excel_file_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", b"hi")
    with pytest.raises(ImportRefused, match="not a CSV or XLSX spreadsheet"):
        read_sheet(out.getvalue(), "x.xlsx")
    with pytest.raises(ImportRefused, match="CSV"):
        read_sheet(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls")
