"""What staff see of a report of hashes alone: the workbench lists its case, the case page
shows the fingerprints and what they matched, and a copy found elsewhere moves in."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from flagdesk.cases.models import Case, CaseEvent, Item
from flagdesk.cases.tests.factories import reported_item
from flagdesk.intake.consent import withdraw_bank_consent
from flagdesk.intake.services import ReportSubmission, SubmittedReport, submit_report
from flagdesk.matching.models import Match
from flagdesk.matching.signal_types import ComputedSignal
from flagdesk.matching.tests.factories import flip, item_signals
from flagdesk.workbench import queries as workbench_queries

from .test_device_signals_api import MD5, PDQ, SHA

pytestmark = pytest.mark.django_db

SIGNALS = (
    ComputedSignal("pdq", PDQ, 93),
    ComputedSignal("md5", MD5),
    ComputedSignal("sha256", SHA),
)


def hashes_only(**fields: Any) -> SubmittedReport:
    values: dict[str, Any] = {
        "urls": [],
        "role": "victim",
        "phenomenon": "ncii",
        "signals": SIGNALS,
        "bank_consent": True,
        "channel": "web",
    }
    values.update(fields)
    return submit_report(ReportSubmission(**values))


def copy_found(django_capture_on_commit_callbacks: Any) -> tuple[Item, SubmittedReport]:
    """An item we hold whose upload carries the picture, then the reporter's hashes."""
    held = reported_item(phenomenon="ncii")
    item_signals(held, [ComputedSignal("pdq", flip(PDQ, 6), 90)])
    with django_capture_on_commit_callbacks(execute=True):
        submitted = hashes_only()
    call_command("worker", burst=True)
    return held, submitted


def test_the_workbench_lists_the_case_of_hashes_alone(
    client, users, django_capture_on_commit_callbacks
) -> None:
    _held, submitted = copy_found(django_capture_on_commit_callbacks)
    case = submitted.report.case
    client.force_login(users["intake"])
    html = client.get(reverse("workbench:queue")).content.decode()
    assert 'id="pictures-to-find"' in html
    assert case.reference in html and reverse("cases:case-detail", args=[case.pk]) in html
    [row] = workbench_queries.pictures_to_find(users["intake"])
    assert (row.pk, row.pictures, row.copies, row.is_kept) == (case.pk, 1, 1, True)


def test_a_case_that_gained_an_item_leaves_the_list(users) -> None:
    submitted = hashes_only()
    assert [c.pk for c in workbench_queries.pictures_to_find(users["analyst"])] == [
        submitted.report.case_id
    ]
    Item.objects.filter(pk=reported_item().pk).update(case=submitted.report.case)
    assert workbench_queries.pictures_to_find(users["analyst"]) == []


def test_need_to_know_holds_for_cases_without_items(users) -> None:
    restricted = hashes_only()
    restricted.report.case.restricted_to.set([users["reviewer"]])
    minor = hashes_only(phenomenon="sexting_minor")
    young = hashes_only(victim_age_band="13-17")
    cleared = [c.pk for c in workbench_queries.pictures_to_find(users["reviewer"])]
    assert restricted.report.case_id in cleared
    others = [c.pk for c in workbench_queries.pictures_to_find(users["intake"])]
    assert others == []  # dave is not named, nor cleared for minors
    analyst = {c.pk for c in workbench_queries.pictures_to_find(users["analyst"])}
    assert analyst == {minor.report.case_id, young.report.case_id}  # alice is cleared


def test_the_workbench_counters_stay_one_query(users, django_assert_num_queries) -> None:
    hashes_only()
    with django_assert_num_queries(1):
        workbench_queries.pictures_to_find(users["analyst"])


def test_the_case_page_shows_the_fingerprints_and_the_copies(
    client, users, django_capture_on_commit_callbacks
) -> None:
    held, submitted = copy_found(django_capture_on_commit_callbacks)
    case = submitted.report.case
    client.force_login(users["analyst"])
    response = client.get(reverse("cases:case-detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="device-pictures"' in html
    assert PDQ[:16] + "…" in html and f'title="{PDQ}"' in html  # shortened, whole on hover
    assert "In the reporters' bank" in html
    assert held.url[:40] in html and reverse("cases:item-detail", args=[held.pk]) in html
    kinds = [e.get_kind_display() for e in CaseEvent.objects.filter(case=case)]
    assert kinds == ["Reported", "Consent to the picture bank changed"]


def test_the_case_page_says_when_the_consent_was_withdrawn(client, users) -> None:
    submitted = hashes_only()
    withdraw_bank_consent(submitted.report)
    client.force_login(users["intake"])
    html = client.get(reverse("cases:case-detail", args=[submitted.report.case_id])).content
    assert b"Consent withdrawn" in html and b"withdrawn</td>" in html
    assert b"copies found" not in html  # dave reads no bank: no match details


def test_a_case_without_items_is_404_outside_need_to_know(client, users) -> None:
    submitted = hashes_only()
    Case.objects.filter(pk=submitted.report.case_id).update(has_minor_depicted=True)
    page = reverse("cases:case-detail", args=[submitted.report.case_id])
    client.force_login(users["intake"])
    assert client.get(page).status_code == 404
    client.force_login(users["analyst"])  # cleared for cases involving minors
    assert client.get(page).status_code == 200
    client.force_login(users["auditor"])  # no casework at all
    assert client.get(page).status_code == 403


def test_the_reporter_of_hashes_alone_can_be_revealed(client, users) -> None:
    submitted = hashes_only(
        is_anonymous=False,
        reporter_name="Test Reporter",
        reporter_email="reporter@example.test",
        has_consented=True,
    )
    client.force_login(users["intake"])
    response = client.post(
        reverse("cases:report-reveal", args=[submitted.report.pk]), {"reason": "Call back today"}
    )
    assert response.status_code == 200
    assert b"reporter@example.test" in response.content


def test_a_copy_moves_into_the_reporters_case(
    client, users, django_capture_on_commit_callbacks
) -> None:
    held, submitted = copy_found(django_capture_on_commit_callbacks)
    case = submitted.report.case
    [match] = Match.objects.filter(item=held)
    client.force_login(users["analyst"])
    page = client.get(reverse("cases:item-detail", args=[held.pk])).content.decode()
    assert f"Move to case {case.reference}" in page
    assert "a picture its reporter asked us to look for" in page
    response = client.post(reverse("matching:match-move", args=[match.pk]))
    assert response.status_code == 302
    held.refresh_from_db()
    old = Case.objects.get(pk=reported_case_of(held, case))
    assert held.case_id == case.pk
    assert old.merged_into_id == case.pk  # its only item left: the emptied case followed
    moved = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.MOVED).first()
    assert moved is not None and "looking for" in moved.note
    assert workbench_queries.pictures_to_find(users["analyst"]) == []


def reported_case_of(item: Item, other: Case) -> Any:
    """The case the item came from (the one that is not ``other``)."""
    return (
        CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.REPORTED)
        .exclude(case=other)
        .values_list("case_id", flat=True)
        .first()
    )


def test_no_move_for_whom_may_not_move(client, users, django_capture_on_commit_callbacks) -> None:
    held, _submitted = copy_found(django_capture_on_commit_callbacks)
    client.force_login(users["intake"])
    page = client.get(reverse("cases:item-detail", args=[held.pk])).content.decode()
    assert "Move to case" not in page
    [match] = Match.objects.filter(item=held)
    assert client.post(reverse("matching:match-move", args=[match.pk])).status_code == 403


def test_the_api_names_the_reporters_case_of_a_match(
    api, users, django_capture_on_commit_callbacks
) -> None:
    held, submitted = copy_found(django_capture_on_commit_callbacks)
    [found] = api("analyst").get(f"/items/{held.pk}/matches").json()
    assert (found["bank"], found["case"], found["item"]) == (
        "reporters-pictures",
        submitted.report.case.reference,
        None,
    )
    assert found["external_ref"] == submitted.report.reference
    assert found["item_out_of_reach"] is False
    submitted.report.case.restricted_to.set([users["reviewer"]])  # out of alice's reach now
    [hidden] = api("analyst").get(f"/items/{held.pk}/matches").json()
    assert hidden["case"] is None


def test_an_entry_staff_removed_is_said_so(client, users) -> None:
    from flagdesk.matching.models import BankEntry
    from flagdesk.matching.services.banks import remove_entry

    submitted = hashes_only()
    entry = BankEntry.objects.get(signal_type="md5")
    remove_entry(entry, actor=users["coordinator"], reason="A false positive: a stock photo.")
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:case-detail", args=[submitted.report.case_id])).content
    assert html.count(b"removed by staff") == 1 and html.count(b">kept</td>") == 2
