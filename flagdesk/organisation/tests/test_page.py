"""The organisation page: coordinators and admins edit identity and designations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from flagdesk.organisation.services import current_organisation

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "name": "Safe Online asbl",
        "email": "notices@safe.test",
        "independence_procedures": "Board without platform members.",
        "designations-TOTAL_FORMS": "1",
        "designations-INITIAL_FORMS": "0",
        "designations-MIN_NUM_FORMS": "0",
        "designations-MAX_NUM_FORMS": "1000",
        "designations-0-authority": "BIPT",
        "designations-0-designated_on": "2026-07-03",
        "designations-0-valid_until": "",
        "designations-0-phenomena": ["ncii", "gender_hate_speech"],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinator_and_admin_edit_the_organisation(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse("organisation:organisation-edit")).status_code == 200
    response = client.post(reverse("organisation:organisation-edit"), _form())
    assert response.status_code == 302
    org = current_organisation()
    assert org.name == "Safe Online asbl"
    assert org.independence_procedures == "Board without platform members."
    [designation] = org.designations.all()
    assert designation.authority == "BIPT"
    assert designation.designated_on == dt.date(2026, 7, 3)
    assert set(designation.phenomena) == {"ncii", "gender_hate_speech"}
    assert org.designated_phenomena(dt.date(2026, 8, 1)) == {"ncii", "gender_hate_speech"}


def test_existing_designations_are_shown_and_can_be_suspended(client, users):
    client.force_login(users["coordinator"])
    client.post(reverse("organisation:organisation-edit"), _form())
    page = client.get(reverse("organisation:organisation-edit"))
    assert 'value="BIPT"' in page.content.decode()
    data = _form(**{"designations-INITIAL_FORMS": "1", "designations-0-suspended": "on"})
    client.post(reverse("organisation:organisation-edit"), data)
    org = current_organisation()
    assert org.designations.get().is_suspended
    assert org.designated_phenomena(dt.date(2026, 8, 1)) == set()


def test_designation_can_be_removed(client, users):
    client.force_login(users["coordinator"])
    client.post(reverse("organisation:organisation-edit"), _form())
    data = _form(**{"designations-INITIAL_FORMS": "1", "designations-0-DELETE": "on"})
    assert client.post(reverse("organisation:organisation-edit"), data).status_code == 302
    assert not current_organisation().designations.exists()


def test_invalid_designation_is_shown_next_to_its_row(client, users):
    client.force_login(users["coordinator"])
    response = client.post(
        reverse("organisation:organisation-edit"),
        _form(**{"designations-0-valid_until": "2026-01-01"}),
    )
    assert response.status_code == 200
    row = response.context["formset"].forms[0]
    assert "valid_until" in row.errors
    assert current_organisation().name != "Safe Online asbl"


def test_invalid_email_is_refused(client, users):
    client.force_login(users["admin"])
    response = client.post(reverse("organisation:organisation-edit"), _form(email="not an email"))
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


@pytest.mark.parametrize("role", ["analyst", "reviewer", "intake", "auditor", "partner", "none"])
def test_other_roles_cannot_edit(client, users, role):
    client.force_login(users[role])
    assert client.post(reverse("organisation:organisation-edit"), _form()).status_code == 403
