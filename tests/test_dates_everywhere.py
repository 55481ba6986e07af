"""Issue 8, point 22: every staff page shows dates year first (2026-12-03 14:05), in every
language; none in the US (12/03/2026) or day-first (03/12/2026, 03.12.2026) order."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.staff_world import staff_world

pytestmark = pytest.mark.django_db

ISO_DATETIME = re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}\b")
OTHER_ORDERS = re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")


@pytest.mark.parametrize("language", [code for code, _ in django_settings.LANGUAGES])
def test_staff_pages_show_iso_dates(client, users, settings, language):
    world = staff_world(users, settings)
    client.force_login(users["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages = [
        reverse("cases:item-detail", args=[world.notified.id]),
        reverse("cases:assessment-review", args=[world.waiting_assessment.id]),
        reverse("notices:notice-list"),
        reverse("notices:notice-detail", args=[world.notice.id]),
        reverse("matching:bank-detail", args=["world-bank"]),
    ]
    for page in pages:
        html = client.get(page).content.decode()
        text = re.sub(r"<[^>]+>", " ", html)  # what a reader sees, not attributes or URLs
        assert ISO_DATETIME.search(text), page
        assert not OTHER_ORDERS.search(text), (page, OTHER_ORDERS.findall(text))


@pytest.mark.parametrize("language", [code for code, _ in django_settings.LANGUAGES])
def test_designation_dates_show_and_save_iso_in_every_language(client, users, settings, language):
    staff_world(users, settings)  # the organisation has no designation yet: add one
    client.force_login(users["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("organisation:organisation-edit")
    data = {
        "name": "Safe Online",
        "email": "notices@safe.test",
        "independence_procedures": "",
        "designations-TOTAL_FORMS": "1",
        "designations-INITIAL_FORMS": "0",
        "designations-0-authority": "BIPT",
        "designations-0-designated_on": "2026-07-03",
        "designations-0-valid_until": "",
        "designations-0-phenomena": ["ncii"],
    }
    assert client.post(url, data).status_code == 302
    html = client.get(url).content.decode()
    assert 'name="designations-0-designated_on" value="2026-07-03"' in html
    refused = client.post(url, {**data, "designations-0-designated_on": "03/07/2026"})
    assert refused.status_code == 200
    assert "2026-07-03" in str(refused.context["formset"].forms[0].errors["designated_on"])
