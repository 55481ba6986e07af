"""The reporter's consent to the reporters' bank: given with the report or later, withdrawn
with the receipt code or by erasure; the bank and the matching index follow."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import CaseEvent
from flagdesk.cases.tests.factories import reported_item
from flagdesk.intake.models import Report
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.matching.models import BankEntry, HashBank, Match
from flagdesk.matching.services.matching import find
from flagdesk.matching.services.reporters import WITHDRAWN
from flagdesk.matching.signal_types import ComputedSignal
from flagdesk.matching.tests.factories import flip, item_signals, random_pdq

from .test_device_signals_api import MD5, PDQ, SHA, hashes_only, picture

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"


def consent_url(reference: str) -> str:
    return f"{REPORTS}/{reference}/bank-consent"


def created(client: Client, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        REPORTS, json.dumps(hashes_only(**overrides)), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


def put(client: Client, body: dict[str, Any], code: str | None = None) -> Any:
    code = body["receipt_code"] if code is None else code
    return client.put(consent_url(body["reference"]), HTTP_X_RECEIPT_CODE=code)


def delete(client: Client, body: dict[str, Any], code: str | None = None) -> Any:
    code = body["receipt_code"] if code is None else code
    return client.delete(consent_url(body["reference"]), HTTP_X_RECEIPT_CODE=code)


def live_entries() -> list[BankEntry]:
    return list(BankEntry.objects.filter(bank__kind=HashBank.Kind.REPORTERS, removed_at=None))


def pdq_hits(value: str = PDQ) -> list[BankEntry]:
    [lookup] = find([ComputedSignal("pdq", value, 90)])
    return [hit.entry for hit in lookup.hits]


def test_withdrawal_removes_the_entries_and_the_index_stops_matching(client: Client) -> None:
    body = created(client)
    assert len(live_entries()) == 3
    assert [e.external_ref for e in pdq_hits(flip(PDQ, 5))] == [body["reference"]]
    response = delete(client, body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["reference"] == body["reference"]
    assert answer["bank_consent"] is False and answer["entries_removed"] == 3
    assert answer["withdrawn_at"] and answer["given_at"]
    assert live_entries() == []
    removed = BankEntry.objects.filter(bank__kind=HashBank.Kind.REPORTERS)
    assert {(e.removal_reason, e.removed_by_id) for e in removed} == {(WITHDRAWN, None)}
    # The same (already loaded) index finds the picture no more.
    assert pdq_hits(flip(PDQ, 5)) == []
    report = Report.objects.get()
    assert report.bank_consent_withdrawn_at is not None
    events = CaseEvent.objects.filter(case=report.case, kind=CaseEvent.Kind.BANK_CONSENT)
    assert list(events.values_list("after", flat=True)) == ["given", "withdrawn"]
    audit = AuditEntry.objects.filter(action="report.bank_consent").order_by("seq").last()
    assert audit is not None and audit.actor is None
    assert audit.data == {"consent": "withdrawn", "entries": 3, "bank": "reporters-pictures"}


def test_withdrawing_twice_changes_nothing_more(client: Client) -> None:
    body = created(client)
    first = delete(client, body).json()
    second = delete(client, body)
    assert second.status_code == 200
    assert second.json() == {**first, "entries_removed": 0}
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.BANK_CONSENT).count() == 2


def test_consent_given_again_puts_the_fingerprints_back(client: Client) -> None:
    body = created(client, bank_consent=False, urls=["https://social.example.test/p/9"])
    assert live_entries() == []
    response = put(client, body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["bank_consent"] is True and answer["entries_added"] == 3
    assert answer["withdrawn_at"] is None
    assert put(client, body).json() == {**answer, "entries_added": 0}  # idempotent
    delete(client, body)
    again = put(client, body).json()
    assert again["bank_consent"] is True and again["entries_added"] == 3
    assert len(live_entries()) == 3
    assert BankEntry.objects.filter(bank__kind=HashBank.Kind.REPORTERS).count() == 6
    assert [e.external_ref for e in pdq_hits()] == [body["reference"]]


def test_a_report_without_fingerprints_has_nothing_to_keep(client: Client) -> None:
    response = client.post(
        REPORTS,
        json.dumps(hashes_only(signals=None, urls=["https://social.example.test/p/3"])),
        content_type="application/json",
    )
    body = response.json()
    answer = put(client, body)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "no_signals"
    assert not HashBank.objects.exists()
    withdrawn = delete(client, body).json()  # nothing to withdraw: says so, changes nothing
    assert withdrawn["bank_consent"] is False and withdrawn["withdrawn_at"] is None


@pytest.mark.parametrize("method", [put, delete])
def test_a_wrong_code_is_a_404_and_changes_nothing(client: Client, method: Any) -> None:
    body = created(client)
    response = method(client, body, code="AAAA-AAAA-AAAA-AAAA")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert len(live_entries()) == 3


def test_the_consent_calls_share_the_status_rate_limit(client: Client, settings: Any) -> None:
    body = created(client)
    settings.PUBLIC_RATE_LIMIT = "2/m"
    assert delete(client, body, code="AAAA").status_code == 404
    assert put(client, body, code="AAAA").status_code == 404
    refused = delete(client, body)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert len(live_entries()) == 3


def test_erasure_withdraws_the_consent(client: Client) -> None:
    body = created(client)
    response = client.post(
        f"{REPORTS}/{body['reference']}/erasure", HTTP_X_RECEIPT_CODE=body["receipt_code"]
    )
    assert response.status_code == 202
    assert live_entries() == []
    assert Report.objects.get().bank_consent_withdrawn_at is not None
    assert pdq_hits() == []


def test_erasure_under_a_legal_hold_still_withdraws_the_consent(client: Client) -> None:
    from flagdesk.cases.models import Case

    body = created(client)
    Case.objects.update(legal_hold=True)
    response = client.post(
        f"{REPORTS}/{body['reference']}/erasure", HTTP_X_RECEIPT_CODE=body["receipt_code"]
    )
    assert response.json()["status"] == "held"
    assert live_entries() == []


def test_a_picture_two_reporters_consented_to_stays_when_one_withdraws(client: Client) -> None:
    first = created(client)
    second = created(client, signals=picture(sha="ab" * 32))
    # The bank holds one live entry per hash: the shared PDQ and MD5 stay in the first's name.
    refs = sorted((e.signal_type, e.external_ref) for e in live_entries())
    assert refs == sorted(
        [
            ("pdq", first["reference"]),
            ("md5", first["reference"]),
            ("sha256", first["reference"]),
            ("sha256", second["reference"]),
        ]
    )
    delete(client, first)
    refs = sorted((e.signal_type, e.external_ref) for e in live_entries())
    assert refs == [
        ("md5", second["reference"]),
        ("pdq", second["reference"]),
        ("sha256", second["reference"]),
    ]
    [entry] = pdq_hits()
    assert entry.case_id == Report.objects.get(reference=second["reference"]).case_id


def test_an_item_we_already_hold_is_linked_to_the_reporters_case(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    """The other way round: the bank entry is new, the copy was hashed earlier (an upload)."""
    held = reported_item()
    [signal] = item_signals(held, [ComputedSignal("pdq", flip(PDQ, 12), 88)])
    with django_capture_on_commit_callbacks(execute=True):
        body = created(client)
    call_command("worker", burst=True)
    [match] = Match.objects.all()
    assert (match.item, match.signal, match.distance) == (held, signal, 12)
    report = Report.objects.get(reference=body["reference"])
    assert match.entry.case == report.case
    event = CaseEvent.objects.get(item=held, kind=CaseEvent.Kind.MATCHED)
    assert event.data["known_case"] == report.case.reference and event.data["known_item"] is None


def test_a_later_upload_of_the_picture_is_caught(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    """Found on intake: a later report's upload matches the reporter's bank entry."""
    from flagdesk.matching.demo import picture_bytes
    from flagdesk.matching.media import hash_media

    known = hash_media(picture_bytes())
    signals = [
        {"type": s.signal_type, "value": s.value, "quality": s.quality} for s in known.signals
    ]
    body = created(client, signals=signals)
    copy = hash_media(picture_bytes(scale=0.5, quality=50))  # resized and re-compressed
    with django_capture_on_commit_callbacks(execute=True):
        later = submit_report(
            ReportSubmission(
                urls=["https://elsewhere.example.test/copy"],
                role="witness",
                signals=tuple(copy.signals),
            )
        )
    call_command("worker", burst=True)
    [item] = later.items
    matched = Match.objects.filter(item=item).select_related("entry")
    assert {m.entry.external_ref for m in matched} == {body["reference"]}


def test_a_reporters_own_items_are_no_match_for_their_own_picture(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        created(client, urls=["https://social.example.test/p/own"])
    call_command("worker", burst=True)
    assert len(live_entries()) == 3
    assert not Match.objects.exists()


def test_the_md5_and_sha256_are_matched_exactly(client: Client) -> None:
    created(client)
    [md5] = find([ComputedSignal("md5", MD5)])
    [sha] = find([ComputedSignal("sha256", SHA)])
    assert [h.distance for h in md5.hits] == [0] and [h.distance for h in sha.hits] == [0]
    assert random_pdq(5) != PDQ and pdq_hits(random_pdq(5)) == []
