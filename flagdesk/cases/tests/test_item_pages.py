"""The item page (facts, reports, timeline, actions) and revealing reporter details."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.audit.models import AuditEntry
from flagdesk.intake.models import Report

from .factories import approved_item, assessed_item, reported_item, social_platform

pytestmark = pytest.mark.django_db


def test_item_page_shows_url_platform_reports_and_timeline(client, users):
    social_platform(users["coordinator"])
    item, _ = assessed_item(users, "https://social.test/p/1")
    report = item.reports.get()
    client.force_login(users["intake"])
    response = client.get(reverse("cases:item-detail", args=[item.id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "https://social.test/p/1" in html
    assert "Social" in html
    assert report.reference in html
    assert "Awaiting review" in html
    kinds = [row["event"].kind for row in response.context["timeline"]]
    assert kinds == ["reported", "status", "assessed", "status"]
    assert "New → Assessing" in html and "Assessing → Awaiting review" in html


def test_item_page_never_shows_encrypted_report_fields(client, users):
    item = reported_item(
        is_anonymous=False,
        reporter_name="Jane Victim",
        reporter_email="jane@example.org",
        has_consented=True,
        description="secret description text",
    )
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    assert "Jane Victim" not in html
    assert "jane@example.org" not in html
    assert "secret description text" not in html


def test_item_page_offers_actions_by_status_and_person(client, users):
    item, assessment = assessed_item(users)
    review_url = reverse("cases:assessment-review", args=[assessment.id])
    client.force_login(users["reviewer"])
    assert review_url in client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    client.force_login(users["analyst"])  # the author sees no review button
    html = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    assert review_url not in html
    assert "another reviewer must decide" in html


def test_approved_item_offers_send_notice_posting_its_id(client, users):
    social_platform(users["coordinator"])
    item, _ = approved_item(users)
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    assert f'action="{reverse("notices:notice-send")}"' in html
    assert f'name="item_ids" value="{item.id}"' in html


def test_hostile_url_is_escaped_on_the_item_page(client, users):
    item = reported_item("https://social.test/<script>alert(1)</script>")
    client.force_login(users["analyst"])
    html = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unknown_item_is_404(client, users):
    client.force_login(users["analyst"])
    url = reverse("cases:item-detail", args=["6f1c1d1e-0000-4000-8000-000000000000"])
    assert client.get(url).status_code == 404


def _report_with_contact() -> Report:
    item = reported_item(
        is_anonymous=False,
        reporter_name="Jane Victim",
        reporter_email="jane@example.org",
        has_consented=True,
        description="what happened",
    )
    return item.reports.get()


def test_reveal_writes_an_audit_entry_before_showing_details(client, users):
    report = _report_with_contact()
    client.force_login(users["intake"])
    response = client.post(
        reverse("cases:report-reveal", args=[report.id]), {"reason": "Call back the victim"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jane Victim" in html and "jane@example.org" in html and "what happened" in html
    entry = AuditEntry.objects.get(action="report.revealed")
    assert entry.actor == users["intake"]
    assert entry.target == f"report:{report.id}"
    assert entry.reason == "Call back the victim"
    assert "no-store" in response["Cache-Control"]


def test_reveal_needs_a_reason(client, users):
    report = _report_with_contact()
    client.force_login(users["intake"])
    for reason in (" ", "x", "because", "aaaa aaaa aaaa"):
        response = client.post(reverse("cases:report-reveal", args=[report.id]), {"reason": reason})
        assert "Jane Victim" not in response.content.decode()
        assert response.context["form"].errors
    assert not AuditEntry.objects.filter(action="report.revealed").exists()


def test_reveal_asks_for_the_password_again_after_a_while(client, users, settings):
    report = _report_with_contact()
    client.force_login(users["intake"])
    session = client.session
    session["flagdesk.auth_at"] = 0
    session.save()
    url = reverse("cases:report-reveal", args=[report.id])
    response = client.post(
        url, {"reason": "Call back the victim"}, HTTP_REFERER=f"http://testserver{url}"
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:confirm"))
    assert not AuditEntry.objects.filter(action="report.revealed").exists()


def test_reveal_is_refused_to_roles_without_casework(client, users):
    report = _report_with_contact()
    client.force_login(users["auditor"])
    response = client.post(reverse("cases:report-reveal", args=[report.id]), {"reason": "x"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="report.revealed").exists()


def test_approved_page_groups_items_per_platform(client, users):
    social_platform(users["coordinator"])
    social_platform(users["coordinator"], name="Video", domains=("video.test",))
    a, _ = approved_item(users, "https://social.test/a")
    b, _ = approved_item(users, "https://video.test/b")
    c, _ = approved_item(users, "https://social.test/c")
    client.force_login(users["analyst"])
    response = client.get(reverse("cases:approved"))
    groups = {g["platform"].name: [i.id for i in g["items"]] for g in response.context["groups"]}
    assert groups == {"Social": [a.id, c.id], "Video": [b.id]}
    html = response.content.decode()
    assert f'action="{reverse("notices:notice-send")}"' in html
    assert html.count('name="item_ids"') == 3
