"""Assessing an item and the four-eyes review, through the staff pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.cases.models import Assessment, Item

from .factories import FACTS_ON, REASONS, assessed_item, reported_item

pytestmark = pytest.mark.django_db


def _post_assessment(client, item, **overrides):
    data = {
        "verdict": "illegal",
        "phenomenon": "ncii",
        "legal_bases": ["BE-CC-417/9", "BE-CC-417/10"],
        "reasons": REASONS,
        "content_types": ["image"],
        "facts_on": FACTS_ON.isoformat(),
        "tdb_category": "",
        **overrides,
    }
    return client.post(reverse("cases:item-assess", args=[item.id]), data)


def test_assess_form_offers_taxonomy_choices(client, users):
    item = reported_item()
    client.force_login(users["analyst"])
    response = client.get(reverse("cases:item-assess", args=[item.id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="BE-CC-417/9"' in html
    assert 'class="badge verify"' in html  # bases that need checking are marked
    assert "STATEMENT_CATEGORY_CYBER_VIOLENCE" in html
    assert 'value="image"' in html
    assert "200 characters" in html


def test_assessment_happy_path_sends_item_to_review(client, users):
    item = reported_item()
    client.force_login(users["analyst"])
    response = _post_assessment(client, item)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:item-detail", args=[item.id])
    item.refresh_from_db()
    assert item.status == Item.Status.AWAITING_REVIEW
    assessment = Assessment.objects.get(item=item)
    assert assessment.author == users["analyst"]
    assert assessment.legal_bases == ["BE-CC-417/9", "BE-CC-417/10"]
    assert assessment.content_type == "CONTENT_TYPE_IMAGE"
    assert assessment.tdb_category == "STATEMENT_CATEGORY_CYBER_VIOLENCE"


def test_assessment_shows_service_errors_next_to_fields(client, users):
    item = reported_item()
    client.force_login(users["analyst"])
    response = _post_assessment(client, item, reasons="too short", legal_bases=[])
    assert response.status_code == 200
    form = response.context["form"]
    assert "reasons" in form.errors and "legal_bases" in form.errors
    assert "at least 200 characters" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Item.Status.NEW


def test_assessment_form_rejects_unknown_choices(client, users):
    item = reported_item()
    client.force_login(users["analyst"])
    response = _post_assessment(client, item, verdict="maybe", legal_bases=["NOPE"])
    assert {"verdict", "legal_bases"} <= set(response.context["form"].errors)
    assert not Assessment.objects.exists()


def test_intake_officer_cannot_assess(client, users):
    item = reported_item()
    client.force_login(users["intake"])
    assert _post_assessment(client, item).status_code == 403


def test_reviewer_approves(client, users):
    item, assessment = assessed_item(users)
    client.force_login(users["reviewer"])
    url = reverse("cases:assessment-review", args=[assessment.id])
    page = client.get(url)
    assert page.status_code == 200
    assert REASONS[:40] in page.content.decode()
    response = client.post(url, {"decision": "approve", "comment": ""})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Item.Status.APPROVED
    assert assessment.__class__.objects.get(pk=assessment.pk).review.is_approved


def test_reviewer_sends_back_with_a_comment(client, users):
    item, assessment = assessed_item(users)
    client.force_login(users["reviewer"])
    url = reverse("cases:assessment-review", args=[assessment.id])
    without = client.post(url, {"decision": "send_back", "comment": ""})
    assert without.status_code == 200
    assert "comment" in without.context["form"].errors
    response = client.post(url, {"decision": "send_back", "comment": "Cite art. 417/10 too."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Item.Status.ASSESSING
    html = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    assert "Cite art. 417/10 too." in html


def test_four_eyes_author_cannot_approve_own_assessment_in_ui(client, users):
    item, assessment = assessed_item(users, author="reviewer")
    client.force_login(users["reviewer"])
    url = reverse("cases:assessment-review", args=[assessment.id])
    page = client.get(url)
    assert "another reviewer must decide" in page.content.decode()
    assert 'value="approve"' not in page.content.decode()
    response = client.post(url, {"decision": "approve", "comment": ""})
    assert response.status_code == 200
    assert "another reviewer must decide" in str(response.context["form"].non_field_errors())
    item.refresh_from_db()
    assert item.status == Item.Status.AWAITING_REVIEW


def test_analyst_cannot_open_the_review_page(client, users):
    _, assessment = assessed_item(users, author="coordinator")
    client.force_login(users["analyst"])
    url = reverse("cases:assessment-review", args=[assessment.id])
    assert client.get(url).status_code == 403
