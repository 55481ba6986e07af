"""Ways in and out of the case and item pages: the item's breadcrumb goes to the workbench,
a split case says where its items' report stayed, and the reporter reveal opened from the
case page leads back to it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.cases.services.merge import split_case

from .factories import reported_case, reported_item

pytestmark = pytest.mark.django_db


def test_item_breadcrumb_goes_to_the_workbench(client, users):
    item = reported_item("https://social.test/ways/1")
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    crumbs = html.split('class="crumbs"')[1].split("</p>")[0]
    assert f'<a href="{reverse("workbench:queue")}">Workbench</a>' in crumbs
    assert f'href="{reverse("cases:queue")}"' not in crumbs


def test_a_split_case_names_the_case_that_keeps_the_report(client, users):
    case = reported_case("https://social.test/ways/a", "https://social.test/ways/b")
    moved = case.items.order_by("created_at").last()
    new = split_case(case, [moved], actor=users["coordinator"], reason="Different content")
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:case-detail", args=[new.pk])).content.decode()
    note = html.split('id="reports-elsewhere"')[1].split("</p>")[0]
    assert "The report of these items stays with case" in note
    assert f'<a href="{reverse("cases:case-detail", args=[case.pk])}">{case.reference}</a>' in note
    # The original case keeps its report and needs no such note.
    html = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    assert 'id="reports-elsewhere"' not in html


def test_reveal_opened_from_the_case_page_goes_back_to_the_case(client, users):
    case = reported_case("https://social.test/ways/r1", "https://social.test/ways/r2")
    report = case.reports.get()
    client.force_login(users["analyst"])
    page = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    reveal = reverse("cases:report-reveal", args=[report.id])
    assert f'action="{reveal}?from=case"' in page
    html = client.post(f"{reveal}?from=case", {"reason": "Call back the reporter"}).content.decode()
    assert (
        f'<a href="{reverse("cases:case-detail", args=[case.pk])}">← Back to the case</a>' in html
    )
    assert "Back to the item" not in html
    # From the item page, the way back stays the item.
    html = client.post(reveal, {"reason": "Call back the reporter"}).content.decode()
    assert "Back to the item" in html and "Back to the case" not in html
