"""A data subject's requests, handled by a coordinator: find their reports through the blind
index, export what is held (GDPR art. 15), erase it (art. 17); each step audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from flagdesk.accounts.services.twofactor import AUTH_AT
from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import CaseEvent
from flagdesk.cases.services.legal_hold import set_legal_hold
from flagdesk.core.errors import PermissionDenied
from flagdesk.intake import subjects
from flagdesk.intake.models import Report, ReportMessage
from flagdesk.intake.subject_index import email_index, normal_phone, phone_index

from .factories import submitted_report, with_contact

pytestmark = pytest.mark.django_db

SEARCH = reverse("intake:subject-search")
REQUEST = reverse("intake:subject-request")


def reported(url: str, **contact: Any) -> Report:
    return submitted_report(url, phenomenon="ncii", **with_contact(**contact)).report


@pytest.fixture
def world() -> dict[str, Report]:
    """Two reports of one person (email in two spellings; phone in two forms), one of another."""
    first = reported("https://social.example.test/s/1", reporter_email="Ann.Example@Mail.test")
    second = reported(
        "https://social.example.test/s/2",
        reporter_email=" ann.example@mail.test",
        reporter_phone="0032 470 11 22 33",
        description="Second report, by Ann.",
    )
    ReportMessage.objects.create(report=second, text="Ann's later message.")
    other = reported(
        "https://social.example.test/s/3",
        reporter_name="Bob Other",
        reporter_email="bob@mail.test",
        reporter_phone="+32 470 99 88 77",
        description="Bob's report.",
    )
    return {"first": first, "second": second, "other": other}


def test_the_index_is_keyed_and_normalised(settings: Any) -> None:
    assert email_index("A@B.test ") == email_index("a@b.test")
    assert phone_index("+32 470 11.22.33") == phone_index("0032470112233")
    assert normal_phone("+32 (0)470") == "00320470"
    assert email_index("") == "" and phone_index(" ") == ""
    before = email_index("a@b.test")
    settings.SUBJECT_INDEX_KEY = "another key"
    assert email_index("a@b.test") != before  # without the key, the hash cannot be rebuilt


def test_the_index_is_stored_and_the_address_is_not(world: dict[str, Report]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_email, reporter_email_index FROM intake_report")
        rows = cursor.fetchall()
    assert all("mail.test" not in stored for stored, _index in rows)
    assert {index for _stored, index in rows} >= {email_index("ann.example@mail.test")}


def test_a_search_finds_the_subjects_reports_only(world: dict[str, Report], users: Any) -> None:
    found = subjects.find_reports(actor=users["coordinator"], email="ANN.example@mail.test")
    assert {r.reference for r in found.reports} == {
        world["first"].reference,
        world["second"].reference,
    }
    by_phone = subjects.find_reports(actor=users["coordinator"], phone="+32 470 11 22 33")
    assert [r.reference for r in by_phone.reports] == [world["second"].reference]
    entry = AuditEntry.objects.filter(action="subject.searched").latest("seq")
    assert entry.actor == users["coordinator"] and entry.data["by"] == ["phone"]
    assert "470" not in json.dumps(entry.data) and "mail.test" not in json.dumps(entry.data)
    with pytest.raises(PermissionDenied):
        subjects.find_reports(actor=users["analyst"], email="ann.example@mail.test")


def test_the_access_export_holds_the_subjects_data_and_nothing_of_others(
    world: dict[str, Report], users: Any
) -> None:
    found = subjects.find_reports(actor=users["coordinator"], email="ann.example@mail.test")
    export = subjects.access_export(found.reports, actor=users["coordinator"], reason="Mail 3 Dec.")
    text = json.dumps(export)
    assert "Second report, by Ann." in text and "Ann's later message." in text
    assert "0032 470 11 22 33" in text and "https://social.example.test/s/2" in text
    assert {r["reference"] for r in export["reports"]} == {
        world["first"].reference,
        world["second"].reference,
    }
    for foreign in ("Bob", "bob@mail.test", "99 88 77", "s/3", world["other"].reference):
        assert foreign not in text
    assert export["retention_months_after_closure"]["contact"] == 6
    entry = AuditEntry.objects.get(action="subject.exported")
    assert entry.reason == "Mail 3 Dec." and "Ann" not in json.dumps(entry.data)


def test_erasure_for_a_subject_spares_others_and_held_cases(
    world: dict[str, Report], users: Any
) -> None:
    first, second, other = world["first"], world["second"], world["other"]
    set_legal_hold(first.case, actor=users["coordinator"], is_held=True, reason="Proceedings.")
    found = subjects.find_reports(actor=users["coordinator"], email="ann.example@mail.test")
    done = subjects.erase_subject(found.reports, actor=users["coordinator"], reason="Art. 17.")
    assert [r.reference for r in done.erased] == [second.reference]
    assert [r.reference for r in done.held] == [first.reference]
    for report in (first, second, other):
        report.refresh_from_db()
    assert (second.reporter_email, second.description) == ("", "")
    assert ReportMessage.objects.get().text == ""
    assert first.reporter_email and first.erasure_held_at is not None
    assert other.reporter_email == "bob@mail.test" and other.description == "Bob's report."
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.ERASURE)
    assert event.actor == users["coordinator"] and event.data["by"] == "staff"
    entry = AuditEntry.objects.get(action="subject.erased")
    assert entry.data == {"erased": [second.reference], "held": [first.reference]}
    # Erased contact details leave the index too: the person is no longer found.
    again = subjects.find_reports(actor=users["coordinator"], email="ann.example@mail.test")
    assert [r.reference for r in again.reports] == [first.reference]


def test_the_pages_search_export_and_erase(
    client: Client, world: dict[str, Report], users: Any
) -> None:
    client.force_login(users["analyst"])
    assert client.get(SEARCH).status_code == 403
    client.force_login(users["coordinator"])  # with a second factor, just now
    assert client.get(SEARCH).status_code == 200
    results = client.post(SEARCH, {"email": "ann.example@mail.test"})
    page = results.content.decode()
    assert world["first"].reference in page and world["second"].reference in page
    assert world["other"].reference not in page
    ticked = [str(world["second"].pk)]

    no_reason = client.post(REQUEST, {"report": ticked, "action": "export", "reason": ""})
    assert no_reason.status_code == 200
    assert not AuditEntry.objects.filter(action="subject.exported").exists()
    export = client.post(REQUEST, {"report": ticked, "action": "export", "reason": "Mail."})
    assert export["Content-Disposition"].startswith("attachment;")
    body = json.loads(export.content)
    assert [r["reference"] for r in body["reports"]] == [world["second"].reference]

    # Not someone else's report smuggled in: only ticked reports the coordinator may open.
    unconfirmed = client.post(REQUEST, {"report": ticked, "action": "erase", "reason": "Art. 17"})
    assert "Tick the box to confirm." in unconfirmed.content.decode()
    erased = client.post(
        REQUEST,
        {"report": ticked, "action": "erase", "reason": "Art. 17", "confirm_erasure": "on"},
    )
    assert erased.status_code == 200 and world["second"].reference in erased.content.decode()
    world["second"].refresh_from_db()
    world["first"].refresh_from_db()
    assert world["second"].reporter_email == "" and world["first"].reporter_email
    assert client.get(REQUEST).status_code == 405


def test_exports_and_erasure_ask_for_a_fresh_login(
    client: Client, world: dict[str, Report], users: Any, settings: Any
) -> None:
    client.force_login(users["coordinator"])
    session = client.session
    session[AUTH_AT] = timezone.now().timestamp() - (settings.REAUTH_MINUTES + 1) * 60
    session.save()
    data = {"report": [str(world["second"].pk)], "action": "export", "reason": "Mail."}
    response = client.post(REQUEST, data)
    assert response.status_code == 302 and reverse("accounts:confirm") in response["Location"]
    assert not AuditEntry.objects.filter(action="subject.exported").exists()
