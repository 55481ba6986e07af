"""Issue 8, point 16: the author who opens the review of their own assessment is told the
four-eyes rule, whatever their role; other refused users are told which roles review."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .factories import assessed_item

pytestmark = pytest.mark.django_db

FOUR_EYES = "You wrote this assessment, so another reviewer must decide on it."


def test_analyst_author_is_refused_with_the_four_eyes_reason(client, users):
    _, assessment = assessed_item(users, author="analyst")
    client.force_login(users["analyst"])
    response = client.get(reverse("cases:assessment-review", args=[assessment.id]))
    assert response.status_code == 403
    html = response.content.decode()
    assert FOUR_EYES in html
    assert "This page is for these roles: Reviewer, Coordinator." in html
    assert 'class="topnav"' in html  # the staff layout, with the menu


def test_analyst_who_is_not_the_author_gets_the_roles_only(client, users):
    _, assessment = assessed_item(users, author="coordinator")
    client.force_login(users["analyst"])
    response = client.get(reverse("cases:assessment-review", args=[assessment.id]))
    assert response.status_code == 403
    html = response.content.decode()
    assert FOUR_EYES not in html
    assert "This page is for these roles: Reviewer, Coordinator." in html


def test_reviewer_author_sees_the_reason_once_on_the_review_page(client, users):
    _, assessment = assessed_item(users, author="reviewer")
    client.force_login(users["reviewer"])
    url = reverse("cases:assessment-review", args=[assessment.id])
    assert client.get(url).content.decode().count(FOUR_EYES) == 1
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 200
    assert response.content.decode().count(FOUR_EYES) == 1


def test_api_refuses_the_author_with_four_eyes(api, users):
    _, assessment = assessed_item(users, author="reviewer")
    response = api("reviewer").post(f"/assessments/{assessment.id}/review", {"approve": True})
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "four_eyes", "message": FOUR_EYES}
