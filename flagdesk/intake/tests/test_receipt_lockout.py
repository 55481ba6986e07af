"""Issue 14: a reference refuses every receipt code for a while after too many wrong ones,
whoever sends them, on every page form and API endpoint that takes a receipt code.

The count lives in the database (``ReceiptLockout``), so several clients (here: different
``REMOTE_ADDR``) add up. Time passes by moving the stored timestamps, never by sleeping.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from flagdesk.audit.models import AuditEntry
from flagdesk.intake import receipts
from flagdesk.intake.models import ReceiptLockout, Report
from flagdesk.intake.services import SubmittedReport

from .factories import submitted_report

pytestmark = pytest.mark.django_db

STATUS = reverse("intake:report-status")
UNKNOWN = "R-0000-0000"
WRONG = "AAAA-BBBB-CCCC-DDDD"
LIMIT = 10


@pytest.fixture(autouse=True)
def _lockout(settings: Any) -> None:
    settings.RECEIPT_LOCKOUT_FAILURES = LIMIT
    settings.RECEIPT_LOCKOUT_WINDOW_MINUTES = 60
    settings.RECEIPT_LOCKOUT_MINUTES = 30


@pytest.fixture
def submitted() -> SubmittedReport:
    return submitted_report()


def page(client: Client, reference: str, code: str, address: str, **extra: Any) -> Any:
    """The status form, posted from ``address``."""
    data = {"form": "status", "reference": reference, "receipt_code": code}
    return client.post(STATUS, data, REMOTE_ADDR=address, **extra)


def api(client: Client, reference: str, code: str, address: str, path: str = "") -> Any:
    method = client.get if not path else client.post
    return method(
        f"/api/v1/reports/{reference}{path}",
        headers={"X-Receipt-Code": code},
        REMOTE_ADDR=address,
    )


def guess(client: Client, reference: str, times: int) -> list[int]:
    """Wrong codes from two clients taking turns: the page and the API, alike."""
    answers = []
    for n in range(times):
        address = f"198.51.100.{n % 2 + 1}"
        if n % 3:
            answers.append(api(client, reference, WRONG, address).status_code)
        else:
            answers.append(page(client, reference, WRONG, address).status_code)
    return answers


def test_wrong_codes_from_two_clients_lock_the_reference_for_everyone(
    client: Client, submitted: SubmittedReport
) -> None:
    reference = submitted.report.reference
    answers = guess(client, reference, LIMIT)
    assert answers[: LIMIT - 1] == [200 if n % 3 == 0 else 404 for n in range(LIMIT - 1)]
    assert answers[-1] == 429  # the tenth wrong code locks it, and says so
    # Now even the right code, from a third client, on the page and through the API.
    refused = page(client, reference, submitted.receipt_code, "203.0.113.9")
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Too many wrong receipt codes" in html and "not even the right one" in html
    row = ReceiptLockout.objects.get()
    assert row.locked_until is not None
    assert timezone.localtime(row.locked_until).strftime("%Y-%m-%d %H:%M") in html
    assert refused.context.get("status") is None  # nothing of the report shown
    refused = api(client, reference, submitted.receipt_code, "203.0.113.10")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "receipt_locked"
    assert 0 < int(refused["Retry-After"]) <= 30 * 60


def test_every_receipt_code_endpoint_counts_and_refuses(
    client: Client, submitted: SubmittedReport
) -> None:
    reference = submitted.report.reference
    for n in range(LIMIT - 1):
        path = ["", "/messages", "/erasure"][n % 3]
        assert api(client, reference, WRONG, f"192.0.2.{n}", path).status_code == 404
    form = {
        "form": "erasure",
        "erasure-reference": reference,
        "erasure-receipt_code": WRONG,
        "erasure-confirm": "on",
    }
    assert client.post(STATUS, form, REMOTE_ADDR="192.0.2.99").status_code == 429
    message = {
        "form": "message",
        "message-reference": reference,
        "message-receipt_code": submitted.receipt_code,
        "message-text": "More about it.",
    }
    assert client.post(STATUS, message, REMOTE_ADDR="192.0.2.100").status_code == 429
    body = json.dumps({"text": "More."})
    refused = client.post(
        f"/api/v1/reports/{reference}/messages",
        body,
        content_type="application/json",
        headers={"X-Receipt-Code": submitted.receipt_code},
    )
    assert refused.status_code == 429
    assert (
        api(client, reference, submitted.receipt_code, "192.0.2.1", "/erasure").status_code == 429
    )
    # Nothing went through: no message stored, nothing erased.
    report = Report.objects.get()
    assert not report.messages.exists() and report.contact_erased_at is None


def test_a_lock_out_says_nothing_about_whether_the_reference_exists(
    client: Client, submitted: SubmittedReport
) -> None:
    real = guess(client, submitted.report.reference, LIMIT + 2)
    unknown = guess(client, UNKNOWN, LIMIT + 2)
    assert real == unknown
    locked_real = api(client, submitted.report.reference, WRONG, "203.0.113.1").json()
    locked_unknown = api(client, UNKNOWN, WRONG, "203.0.113.1").json()
    assert locked_real["error"]["code"] == locked_unknown["error"]["code"] == "receipt_locked"
    # The table keeps keyed hashes, not the references tried.
    assert ReceiptLockout.objects.count() == 2
    stored = json.dumps(list(ReceiptLockout.objects.values_list("key", flat=True)))
    assert submitted.report.reference not in stored and UNKNOWN not in stored


def test_the_lock_out_ends_and_the_right_code_works_again(
    client: Client, submitted: SubmittedReport
) -> None:
    reference = submitted.report.reference
    guess(client, reference, LIMIT)
    assert page(client, reference, submitted.receipt_code, "203.0.113.2").status_code == 429
    # Thirty minutes later (the stored lock-out moved into the past).
    past = timezone.now() - dt.timedelta(seconds=1)
    ReceiptLockout.objects.update(locked_until=past)
    opened = page(client, reference, submitted.receipt_code, "203.0.113.2")
    assert opened.status_code == 200
    assert opened.context["status"].reference == reference
    assert not ReceiptLockout.objects.exists()  # the right code clears the count


def test_wrong_codes_spread_over_more_than_the_window_do_not_lock(
    submitted: SubmittedReport,
) -> None:
    reference = submitted.report.reference
    start = timezone.now()
    for n in range(LIMIT - 1):
        assert receipts.open_report(reference, WRONG, now=start + dt.timedelta(minutes=n)) is None
    later = start + dt.timedelta(minutes=61)
    assert receipts.open_report(reference, WRONG, now=later) is None  # a new window began
    assert ReceiptLockout.objects.get().failures == 1
    for _n in range(LIMIT - 2):
        receipts.open_report(reference, WRONG, now=later + dt.timedelta(minutes=1))
    with pytest.raises(receipts.ReceiptLocked) as locked:
        receipts.open_report(reference, WRONG, now=later + dt.timedelta(minutes=2))
    assert locked.value.retry_after == 30 * 60
    assert locked.value.status == 429


def test_the_lock_out_is_audited_without_the_code(submitted: SubmittedReport) -> None:
    reference = submitted.report.reference
    for _n in range(LIMIT - 1):
        receipts.open_report(reference, WRONG)
    with pytest.raises(receipts.ReceiptLocked):
        receipts.open_report(reference, WRONG)
    [entry] = AuditEntry.objects.filter(action="report.receipt_locked")
    assert entry.target == f"reference:{reference}" and entry.actor is None
    assert entry.data["failures"] == LIMIT
    assert WRONG not in json.dumps(entry.data) and submitted.receipt_code not in str(entry.data)
    # Refusals while locked are not audited again.
    with pytest.raises(receipts.ReceiptLocked):
        receipts.open_report(reference, submitted.receipt_code)
    assert AuditEntry.objects.filter(action="report.receipt_locked").count() == 1


def test_spent_counters_are_forgotten(submitted: SubmittedReport) -> None:
    receipts.open_report(submitted.report.reference, WRONG)
    receipts.open_report(UNKNOWN, WRONG)
    assert receipts.purge_lockouts() == 0  # their window is still running
    assert receipts.purge_lockouts(now=timezone.now() + dt.timedelta(minutes=61)) == 2


def test_zero_turns_the_lock_out_off(settings: Any, submitted: SubmittedReport) -> None:
    settings.RECEIPT_LOCKOUT_FAILURES = 0
    for _n in range(LIMIT + 5):
        assert receipts.open_report(submitted.report.reference, WRONG) is None
    assert receipts.open_report(submitted.report.reference, submitted.receipt_code) is not None
    assert not ReceiptLockout.objects.exists()


@pytest.mark.parametrize("language", ["fr", "nl", "de"])
def test_the_lock_out_message_is_in_the_reader_s_language(
    client: Client, submitted: SubmittedReport, language: str
) -> None:
    reference = submitted.report.reference
    guess(client, reference, LIMIT)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    refused = page(client, reference, submitted.receipt_code, "203.0.113.3")
    assert refused.status_code == 429
    until = ReceiptLockout.objects.get().locked_until
    with translation.override(language):
        expected = str(receipts.ReceiptLocked(until, timezone.now()).message)
    assert escape(expected) in refused.content.decode()
    assert f'<html lang="{language}">' in refused.content.decode()
    answer = client.get(
        f"/api/v1/reports/{reference}",
        headers={"X-Receipt-Code": submitted.receipt_code, "Accept-Language": language},
    )
    assert answer.json()["error"]["message"] == expected


def test_every_use_of_a_receipt_code_goes_through_the_lock_out() -> None:
    """Only ``receipts.open_report`` compares a receipt code: a page or endpoint calling the
    comparison directly would escape the count per reference."""
    import ast
    from pathlib import Path

    import flagdesk

    root = Path(flagdesk.__file__).parent
    callers = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "report_by_receipt":
                    callers.add(path.relative_to(root).as_posix())
    assert callers == {"intake/receipts.py"}
