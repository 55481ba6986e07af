"""Merging and splitting cases, moving an item: what moves, what combines, what is refused."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import Case, CaseEvent, Item
from flagdesk.cases.services.legal_hold import set_legal_hold
from flagdesk.cases.services.merge import MergeRefused, merge_cases, move_item, split_case
from flagdesk.cases.services.notes import add_note, add_task
from flagdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from flagdesk.intake.services import ReportSubmission, submit_report

from .factories import TEST_RESOLVER, reported_case

pytestmark = pytest.mark.django_db
WHY = "Same victim and the same pictures."


def _events(case: Case, kind: str) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, kind=kind))


def test_merge_moves_items_reports_notes_and_tasks_and_records_both_sides(users):
    source = reported_case("https://social.test/m/1", "https://social.test/m/2")
    into = reported_case("https://social.test/m/3")
    note = add_note(source, actor=users["analyst"], text="Called the victim's lawyer.")
    task = add_task(source, actor=users["analyst"], title="Check", assignee=users["reviewer"])
    survivor = merge_cases(source, into, actor=users["analyst"], reason=WHY)
    assert survivor == into
    assert into.items.count() == 3 and not source.items.exists()
    assert into.reports.count() == 2 and not source.reports.exists()
    note.refresh_from_db()
    task.refresh_from_db()
    assert note.case_id == task.case_id == into.pk
    source.refresh_from_db()
    assert source.merged_into_id == into.pk
    [on_source] = _events(source, "merged")
    [on_into] = _events(into, "merged")
    assert on_source.data["reference"] == into.reference and on_source.note == WHY
    assert on_into.data["reference"] == source.reference
    assert CaseEvent.objects.filter(case=source, kind="reported").count() == 2  # stay put
    assert AuditEntry.objects.filter(action="case.merged").count() == 1


def test_merge_combines_minors_and_legal_hold(users):
    source = reported_case("https://social.test/m/4")
    into = reported_case("https://social.test/m/5")
    Case.objects.filter(pk=source.pk).update(has_minor_depicted=True)
    set_legal_hold(source, actor=users["coordinator"], is_held=True, reason="Proceedings A-1.")
    set_legal_hold(into, actor=users["coordinator"], is_held=True, reason="Proceedings B-2.")
    merge_cases(source, into, actor=users["analyst"], reason=WHY)
    into.refresh_from_db()
    assert into.has_minor_depicted and into.legal_hold
    assert "Proceedings A-1." in into.legal_hold_reason
    assert "Proceedings B-2." in into.legal_hold_reason


def test_merge_refuses_itself_and_merged_cases(users):
    a = reported_case("https://social.test/m/6")
    b = reported_case("https://social.test/m/7")
    c = reported_case("https://social.test/m/8")
    with pytest.raises(MergeRefused):
        merge_cases(a, a, actor=users["analyst"], reason=WHY)
    merge_cases(a, b, actor=users["analyst"], reason=WHY)
    a.refresh_from_db()
    with pytest.raises((MergeRefused, NotFound)):
        merge_cases(c, a, actor=users["analyst"], reason=WHY)  # a was merged into b
    with pytest.raises((MergeRefused, NotFound)):
        merge_cases(a, c, actor=users["analyst"], reason=WHY)


def test_merge_needs_a_reason_and_the_role(users):
    a = reported_case("https://social.test/m/9")
    b = reported_case("https://social.test/m/10")
    with pytest.raises(ValidationFailed):
        merge_cases(a, b, actor=users["analyst"], reason="  ")
    with pytest.raises(PermissionDenied):
        merge_cases(a, b, actor=users["intake"], reason=WHY)
    assert a.items.count() == 1 and b.items.count() == 1


def test_merge_never_widens_who_opens_a_restricted_case(users):
    secret = reported_case("https://social.test/m/11")
    open_case = reported_case("https://social.test/m/12")
    secret.restricted_to.set([users["analyst"], users["coordinator"]])
    # An analyst may see both, but may not decide who opens the merged case.
    with pytest.raises(MergeRefused):
        merge_cases(secret, open_case, actor=users["analyst"], reason=WHY)
    # A coordinator must confirm; the survivor is then restricted like the secret case.
    with pytest.raises(ValidationFailed) as refused:
        merge_cases(secret, open_case, actor=users["coordinator"], reason=WHY)
    assert "confirm_access" in refused.value.fields
    assert open_case.items.count() == 1
    merge_cases(secret, open_case, actor=users["coordinator"], reason=WHY, confirm_access=True)
    assert set(open_case.restricted_to.all()) == {users["analyst"], users["coordinator"]}
    assert _events(open_case, "access")


def test_two_restricted_cases_merge_to_the_people_on_both(users):
    a = reported_case("https://social.test/m/13")
    b = reported_case("https://social.test/m/14")
    a.restricted_to.set([users["coordinator"], users["analyst"]])
    b.restricted_to.set([users["coordinator"], users["reviewer"]])
    merge_cases(a, b, actor=users["coordinator"], reason=WHY, confirm_access=True)
    assert list(b.restricted_to.all()) == [users["coordinator"]]


def test_same_restriction_merges_without_confirmation(users):
    a = reported_case("https://social.test/m/15")
    b = reported_case("https://social.test/m/16")
    for case in (a, b):
        case.restricted_to.set([users["analyst"], users["coordinator"]])
    merge_cases(a, b, actor=users["analyst"], reason=WHY)
    assert b.items.count() == 2


def test_a_case_out_of_scope_cannot_be_merged(users):
    a = reported_case("https://social.test/m/17")
    b = reported_case("https://social.test/m/18")
    a.restricted_to.set([users["coordinator"]])
    with pytest.raises(NotFound):
        merge_cases(a, b, actor=users["analyst"], reason=WHY)


def _report_about(case: Case, items: list[Item]) -> None:
    """A second report naming existing items (they join the open ones) — into ``case``."""
    with override_settings(URL_RESOLVER=TEST_RESOLVER):
        submitted = submit_report(
            ReportSubmission(urls=[i.url for i in items], role="victim", phenomenon="ncii")
        )
    assert {i.pk for i in submitted.items} == {i.pk for i in items}


def test_split_moves_chosen_items_and_reports_only_about_them(users):
    case = reported_case("https://social.test/s/1", "https://social.test/s/2")
    first, second = case.items.order_by("created_at")
    # A second report about the second item alone.
    _report_about(case, [second])
    spanning = case.reports.order_by("created_at").first()
    only_second = second.reports.exclude(pk=spanning.pk).get()
    assert only_second.case_id == case.pk  # a report of an open item joins its case
    case.restricted_to.set([users["analyst"], users["coordinator"]])
    Case.objects.filter(pk=case.pk).update(has_minor_depicted=True, legal_hold=True)
    case.refresh_from_db()
    new = split_case(case, [second], actor=users["analyst"], reason="Two different victims.")
    second.refresh_from_db()
    assert second.case_id == new.pk and first.case_id == case.pk
    only_second.refresh_from_db()
    spanning.refresh_from_db()
    assert only_second.case_id == new.pk  # only about the moved item: moves
    assert spanning.case_id == case.pk  # names both: stays
    assert new.has_minor_depicted and new.legal_hold
    assert set(new.restricted_to.all()) == {users["analyst"], users["coordinator"]}
    assert _events(case, "split")[0].data["reference"] == new.reference
    assert _events(new, "split")[0].data["reference"] == case.reference


def test_split_keeps_at_least_one_item_and_takes_only_the_case_s_items(users):
    case = reported_case("https://social.test/s/3", "https://social.test/s/4")
    other = reported_case("https://social.test/s/5")
    with pytest.raises(ValidationFailed):
        split_case(case, list(case.items.all()), actor=users["analyst"], reason=WHY)
    with pytest.raises(ValidationFailed):
        split_case(case, [], actor=users["analyst"], reason=WHY)
    with pytest.raises(NotFound):
        split_case(case, list(other.items.all()), actor=users["analyst"], reason=WHY)
    assert case.items.count() == 2


def test_move_item_to_the_known_case_and_the_emptied_case_follows(users):
    known = reported_case("https://social.test/v/1")
    reupload = reported_case("https://social.test/v/2")
    item = reupload.items.get()
    moved = move_item(item, known, actor=users["analyst"], reason="Re-upload of known content.")
    assert moved.case_id == known.pk
    assert known.items.count() == 2 and known.reports.count() == 2
    reupload.refresh_from_db()
    assert reupload.merged_into_id == known.pk  # its old address leads to the known case
    assert _events(reupload, "moved")[0].data["reference"] == known.reference
    assert _events(known, "moved")[0].data["reference"] == reupload.reference


def test_move_item_out_of_a_case_with_other_items(users):
    known = reported_case("https://social.test/v/3")
    case = reported_case("https://social.test/v/4", "https://social.test/v/5")
    item = case.items.order_by("created_at").last()
    move_item(item, known, actor=users["analyst"], reason="Re-upload of known content.")
    case.refresh_from_db()
    assert case.merged_into_id is None and case.items.count() == 1
    assert case.reports.count() == 1  # the report names the item staying behind too


def test_move_item_refuses_different_access(users):
    known = reported_case("https://social.test/v/6")
    reupload = reported_case("https://social.test/v/7")
    known.restricted_to.set([users["analyst"]])
    with pytest.raises(MergeRefused):
        move_item(reupload.items.get(), known, actor=users["analyst"], reason=WHY)


@pytest.mark.parametrize(
    ("role", "status"),
    [("analyst", 302), ("reviewer", 302), ("coordinator", 302), ("intake", 403), ("auditor", 403)],
)
def test_merge_page_by_role(client, users, role, status):
    source = reported_case("https://social.test/p/1")
    into = reported_case("https://social.test/p/2")
    client.force_login(users[role])
    url = reverse("cases:case-merge", args=[into.pk])
    response = client.post(url, {"reference": source.reference, "reason": WHY})
    assert response.status_code == status
    assert into.items.count() == (2 if status == 302 else 1)


def test_merge_page_shows_errors_and_the_access_change(client, users):
    source = reported_case("https://social.test/p/3")
    into = reported_case("https://social.test/p/4")
    client.force_login(users["coordinator"])
    url = reverse("cases:case-merge", args=[into.pk])
    response = client.post(url, {"reference": "C-0000-0000", "reason": WHY})
    assert response.status_code == 422
    assert "No case you may open has this reference." in response.content.decode()
    source.restricted_to.set([users["coordinator"]])
    response = client.post(url, {"reference": source.reference.lower(), "reason": WHY})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="access-change"' in html and "carol" in html
    response = client.post(
        url, {"reference": source.reference, "reason": WHY, "confirm_access": "on"}
    )
    assert response.status_code == 302
    assert list(into.restricted_to.all()) == [users["coordinator"]]


def test_split_page(client, users):
    case = reported_case("https://social.test/p/5", "https://social.test/p/6")
    item = case.items.order_by("created_at").last()
    client.force_login(users["analyst"])
    url = reverse("cases:case-split", args=[case.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"items": [str(item.pk)], "reason": WHY})
    item.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case-detail", args=[item.case_id])
    assert item.case_id != case.pk
