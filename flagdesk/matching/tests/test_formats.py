"""Exchange formats: reading partners' files row by row, importing, exporting, round trips."""

from __future__ import annotations

import csv
import io
import json

import pytest

from flagdesk.audit.models import AuditEntry
from flagdesk.core.errors import PermissionDenied, ValidationFailed
from flagdesk.matching.formats import FormatError, ImportTooLarge, guess_format, parse
from flagdesk.matching.formats.exchange import export_bank, import_bank
from flagdesk.matching.models import BankEntry
from flagdesk.matching.services.banks import EntryInput, add_entries, remove_entry

from .factories import add, bank, random_pdq, video_value

PDQ = random_pdq(1)
PDQ2 = random_pdq(2)
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def lines_of(parsed):
    return [(r.line, r.entry.signal_type, r.entry.value) for r in parsed.rows]


# -- CSV -----------------------------------------------------------------------------------


def test_csv_columns_and_type_names_in_any_case():
    text = (
        "Indicator_Type;Indicator;ID;Tags;Quality\r\n"
        f"HASH_PDQ;{PDQ.upper()};te-1;ncii victim-42;80\r\n"
        f"photo_md5;{MD5};;;\r\n"
        f'HASH_VIDEO_SHA256;{SHA};te-3;"[""a b"", ""c""]";\r\n'
    )
    parsed = parse(text, "csv")
    assert parsed.invalid == []
    assert lines_of(parsed) == [(2, "pdq", PDQ), (3, "md5", MD5), (4, "sha256", SHA)]
    first, _, third = (r.entry for r in parsed.rows)
    assert first.tags == ("ncii", "victim-42") and first.quality == 80
    assert first.external_ref == "te-1"
    assert third.tags == ("a b", "c")


def test_threatexchange_cli_dataset_csv():
    """``threatexchange dataset -P --csv``: negative opinions are not imported."""
    text = (
        "collab,signal_type,signal_str,category,tags\n"
        f"Sample,pdq,{PDQ},POSITIVE_CLASS,ncii csam\n"
        f"Sample,video_md5,{MD5},NEGATIVE_CLASS,\n"
    )
    parsed = parse(text, "csv")
    assert lines_of(parsed) == [(2, "pdq", PDQ)]
    assert parsed.rows[0].entry.tags == ("ncii", "csam")
    [(line, message)] = parsed.invalid
    assert line == 3 and "NEGATIVE_CLASS" in message


def test_headerless_hma_state_file_needs_the_type():
    row = f"{PDQ},1234,5678,2021-01-01T00:00:00+0000,tag1 tag2\n"
    parsed = parse(row, "csv", default_type="HASH_PDQ")
    [only] = parsed.rows
    assert only.entry.external_ref == "1234" and only.entry.tags == ("tag1", "tag2")
    with pytest.raises(FormatError, match="header"):
        parse(row, "csv")


def test_every_bad_csv_row_is_reported_with_its_line():
    tags = ",".join(f"t{n}" for n in range(25))
    text = "\n".join(
        [
            "signal_type,signal,tags,quality,external_ref",
            f"pdq,{PDQ},,90,",  # 2 fine
            f"pdq,{PDQ[:-1]}x,,,",  # 3 bad hex
            f"pdq,{PDQ[:-2]},,,",  # 4 too short
            f"tmk,{PDQ},,,",  # 5 unknown type
            f"pdq,{PDQ2},,101,",  # 6 quality out of range
            f'pdq,{PDQ2},"{tags}",,',  # 7 too many tags
            f"md5,{MD5},,high,",  # 8 quality not a number
            "",
            f"pdq,{PDQ2},,,{'r' * 201}",  # 10 reference too long
            "# a comment",
            f"md5,{SHA},\"=cmd|' /C calc'!A0\",,",  # 12 wrong length for md5
        ]
    )
    parsed = parse(text.encode(), "csv")
    assert [r.line for r in parsed.rows] == [2]
    assert [line for line, _ in parsed.invalid] == [3, 4, 5, 6, 7, 8, 10, 12]
    messages = dict(parsed.invalid)
    assert "0-9" in messages[3]
    assert "this one has 62" in messages[4]
    assert "tmk" in messages[5]
    assert "101" in messages[6]
    assert "Too many tags" in messages[7]
    assert "whole number" in messages[8]
    assert "200" in messages[10]
    assert "32" in messages[12]
    assert parsed.invalid_count == 8


def test_formula_looking_cells_are_data_on_import():
    text = f'signal_type,signal,tags,external_ref\npdq,{PDQ},"=SUM(A1) +1 @x",-5\n'
    [row] = parse(text, "csv").rows
    assert row.entry.tags == ("=SUM(A1)", "+1", "@x")
    assert row.entry.external_ref == "-5"


def test_bom_crlf_and_quoted_newlines_keep_line_numbers():
    text = (
        f'\ufeffsignal_type,signal,external_ref\r\npdq,{PDQ},"two\r\nlines"\r\npdq,{PDQ2[:10]},\r\n'
    )
    parsed = parse(text.encode("utf-8"), "csv")
    assert [r.line for r in parsed.rows] == [2]
    assert [line for line, _ in parsed.invalid] == [4]


def test_unreadable_files_are_refused_as_a_whole():
    with pytest.raises(FormatError, match="UTF-8"):
        parse(b"signal_type,signal\npdq,\xff\xfe\n", "csv")
    with pytest.raises(FormatError, match="line 2"):
        parse(b"signal_type,signal\npdq,\xe9t\xe9\n", "csv")
    with pytest.raises(FormatError, match="UTF-16"):
        parse("signal,type\n".encode("utf-16"), "csv")
    with pytest.raises(FormatError, match="NUL"):
        parse(b"signal_type,signal\npdq,\x00\n", "csv")
    with pytest.raises(FormatError, match="header"):
        parse("pdq;x;y\n", "csv")
    with pytest.raises(FormatError, match="format"):
        parse("", "xml")
    with pytest.raises(FormatError, match="signal type"):
        parse("", "csv", default_type="tmk")


def test_size_limits_are_clear_errors():
    text = "signal_type,signal\n" + f"md5,{MD5}\n" * 11
    with pytest.raises(ImportTooLarge, match="at most 10 hashes"):
        parse(text, "csv", max_rows=10)
    with pytest.raises(ImportTooLarge, match="MB") as err:
        parse(b"x" * (2 * 1024 * 1024 + 1), "hashes", max_bytes=2 * 1024 * 1024)
    assert err.value.status == 413
    assert len(parse(text, "csv", max_rows=11).rows) == 11


# -- JSON ----------------------------------------------------------------------------------


def test_json_shapes_and_line_numbers():
    document = (
        '{"bank": "x", "signals": [\n'
        f'  {{"signal_type": "pdq", "value": "{PDQ}", "tags": ["a"], "quality": 70}},\n'
        f'  {{"type": "HASH_MD5", "raw_indicator": "{MD5}", "id": "99"}},\n'
        '  "just text",\n'
        f'  {{"id": 7, "signals": {{"pdq": "{PDQ2}", "video_md5": "{MD5}"}}}},\n'
        f'  {{"signal_type": "pdq", "signal": "{PDQ[:60]}"}},\n'
        '  {"note": "nothing here"}\n'
        "]}"
    )
    parsed = parse(document, "json")
    assert lines_of(parsed) == [(2, "pdq", PDQ), (3, "md5", MD5), (5, "pdq", PDQ2), (5, "md5", MD5)]
    assert parsed.rows[1].entry.external_ref == "99"
    assert parsed.rows[2].entry.external_ref == "7"
    assert [line for line, _ in parsed.invalid] == [4, 6, 7]


def test_hma_signal_map_and_plain_list():
    parsed = parse(json.dumps({"pdq": PDQ, "video_md5": MD5}), "json")
    assert [r.entry.signal_type for r in parsed.rows] == ["pdq", "md5"]
    parsed = parse(json.dumps([{"signal_type": "sha256", "value": SHA}]), "json")
    assert lines_of(parsed) == [(1, "sha256", SHA)]


def test_broken_json_names_the_line():
    with pytest.raises(FormatError, match="line 3"):
        parse('[\n{"signal_type": "pdq", "value": "x"},\n{"signal_type": }\n]', "json")
    with pytest.raises(FormatError, match="line 1"):
        parse('[{"a": 1}] trailing', "json")
    with pytest.raises(FormatError):
        parse("   ", "json")
    with pytest.raises(FormatError):
        parse("[" * 100_000, "json")


def test_json_values_of_the_wrong_type_are_row_errors():
    document = json.dumps(
        [
            {"signal_type": "pdq", "value": 5},
            {"signal_type": "pdq", "value": PDQ, "quality": True},
            {"signal_type": "pdq", "value": PDQ, "tags": "a;b", "quality": "90"},
            {"signal_type": "pdq", "value": PDQ2, "tags": [{"x": 1}]},
            {"signal_type": "pdq", "value": PDQ2, "external_ref": "a\ud800"},
        ]
    )
    parsed = parse(document, "json")
    assert [r.entry.tags for r in parsed.rows] == [("a", "b")]
    assert parsed.invalid_count == 4


# -- plain lists ---------------------------------------------------------------------------


def test_hash_list_comments_types_and_line_endings():
    text = f"# partner list\r\n\r\n{MD5}\r\npdq {PDQ}\rsha256 {SHA}\n  \nnot-a-hash\n"
    parsed = parse(text, "hashes")
    assert lines_of(parsed) == [(3, "md5", MD5), (4, "pdq", PDQ), (5, "sha256", SHA)]
    assert [line for line, _ in parsed.invalid] == [7]


def test_sixty_four_digit_lists_need_a_type():
    with pytest.raises(FormatError, match=r"Line 2.*PDQ or SHA-256"):
        parse(f"{MD5}\n{PDQ}\n", "hashes")
    parsed = parse(f"{PDQ}\n{PDQ2}\n", "hashes", default_type="pdq")
    assert [r.entry.signal_type for r in parsed.rows] == ["pdq", "pdq"]
    parsed = parse(f"{MD5}\n", "hashes", default_type="pdq")
    assert "64" in parsed.invalid[0].message


def test_format_from_file_name():
    assert guess_format("bank.CSV") == "csv"
    assert guess_format("x/y.json") == "json"
    assert guess_format("list.txt") == "hashes"
    with pytest.raises(FormatError):
        guess_format("bank.xlsx")


# -- importing and exporting ---------------------------------------------------------------


@pytest.fixture
def own(users):
    return bank(users["coordinator"], "Own cases")


def test_import_adds_valid_rows_and_reports_the_rest(users, own):
    add(own, users["analyst"], ("md5", MD5))
    text = f"signal_type,signal\npdq,{PDQ}\nmd5,{MD5}\npdq,{PDQ}\npdq,zz\n"
    report = import_bank(own, text, "csv", actor=users["coordinator"])
    assert (report.added, report.duplicates, report.invalid_count) == (1, 2, 1)
    assert report.invalid[0].line == 5 and not report.dry_run
    assert BankEntry.objects.filter(bank=own, signal_type="pdq").count() == 1
    audit = AuditEntry.objects.get(action="bank.import")
    assert audit.data["added"] == 1 and audit.data["invalid"] == 1


def test_dry_run_counts_and_writes_nothing(users, own):
    add(own, users["analyst"], ("md5", MD5))
    entries, audits = BankEntry.objects.count(), AuditEntry.objects.count()
    text = f"{MD5}\npdq {PDQ}\npdq {PDQ}\npdq {PDQ2[:5]}\n"
    report = import_bank(own, text, "hashes", actor=users["coordinator"], dry_run=True)
    assert (report.added, report.duplicates, report.invalid_count) == (1, 2, 1)
    assert report.dry_run
    assert (BankEntry.objects.count(), AuditEntry.objects.count()) == (entries, audits)


def test_partner_imports_only_into_its_own_bank(users, own):
    theirs = bank(users["coordinator"], "Pat's hashes", kind="partner", partner=users["partner"])
    report = import_bank(theirs, f"pdq {PDQ}\n", "hashes", actor=users["partner"])
    assert report.added == 1
    for dry_run in (True, False):
        with pytest.raises(PermissionDenied):
            import_bank(own, f"pdq {PDQ}\n", "hashes", actor=users["partner"], dry_run=dry_run)


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_neutralises_formulas_and_skips_removed(users, own):
    result = add_entries(
        own,
        [
            EntryInput("pdq", PDQ, 90, ("=HYPERLINK(evil)", "ok"), external_ref="+31 6"),
            EntryInput("md5", MD5, None, ("@SUM(1)",), external_ref="-2"),
            EntryInput("sha256", SHA, None, (), external_ref="'quoted"),
        ],
        actor=users["coordinator"],
    )
    gone = add(own, users["analyst"], ("pdq", PDQ2))[0]
    remove_entry(gone, actor=users["reviewer"], reason="False positive, a logo.")
    text = "".join(export_bank(own, "csv"))
    assert text.splitlines()[0] == "signal_type,signal,tags,quality,external_ref,added_at"
    rows = _csv_rows(text)
    assert [r["signal"] for r in rows] == [PDQ, MD5, SHA]
    assert rows[0]["tags"] == "'=HYPERLINK(evil) ok" and rows[0]["external_ref"] == "'+31 6"
    assert rows[1]["tags"] == "'@SUM(1)" and rows[1]["external_ref"] == "'-2"
    assert rows[2]["external_ref"] == "''quoted"
    assert rows[0]["quality"] == "90" and rows[1]["quality"] == ""
    assert rows[0]["added_at"] == result.added[0].added_at.isoformat()
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())


def test_export_filters_and_plain_list_needs_one_type(users, own):
    add(own, users["analyst"], ("pdq", PDQ), ("md5", MD5))
    assert "".join(export_bank(own, "hashes", signal_type="HASH_PDQ")).splitlines()[1:] == [PDQ]
    with pytest.raises(ValidationFailed, match="one signal type"):
        export_bank(own, "hashes")
    with pytest.raises(FormatError):
        export_bank(own, "xml")
    later = BankEntry.objects.get(value=MD5).added_at
    BankEntry.objects.filter(value=PDQ).update(added_at=later.replace(year=later.year - 1))
    body = json.loads("".join(export_bank(own, "json", since=later)))
    assert [e["value"] for e in body["signals"]] == [MD5]
    assert body["bank"] == own.slug


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_round_trip_into_another_bank(users, own, fmt):
    add_entries(
        own,
        [
            EntryInput("pdq", PDQ, 90, ("ncii", "a b", "=x"), external_ref="te:1"),
            EntryInput("md5", MD5, None, ("-flag;semi",), external_ref="@ref"),
            EntryInput("sha256", SHA, None, (), external_ref=""),
            EntryInput("vpdq", video_value(3, frames=5), None, ('quo"te',), external_ref="v"),
        ],
        actor=users["coordinator"],
    )
    copy = bank(users["coordinator"], "Copy")
    report = import_bank(copy, "".join(export_bank(own, fmt)), fmt, actor=users["coordinator"])
    assert report.invalid == [] and report.added == 4

    def snapshot(target):
        return sorted(
            (e.signal_type, e.value, e.value_key, tuple(e.tags), e.quality, e.external_ref)
            for e in target.entries.all()
        )

    assert snapshot(copy) == snapshot(own)


def test_round_trip_of_a_plain_list(users, own):
    add(own, users["analyst"], ("pdq", PDQ), ("pdq", PDQ2))
    copy = bank(users["coordinator"], "Copy")
    text = "".join(export_bank(own, "hashes"))
    import_bank(copy, text, "hashes", actor=users["coordinator"], default_type="pdq")
    assert sorted(copy.entries.values_list("value", flat=True)) == sorted([PDQ, PDQ2])
