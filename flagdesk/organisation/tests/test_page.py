"""The organisation page: coordinators and admins edit identity and designations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

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
    today = timezone.localdate()
    assert org.designated_phenomena(today) == set()
    assert org.designated_phenomena(today - dt.timedelta(days=1)) == {"ncii", "gender_hate_speech"}


def test_designation_can_be_ended_and_stays_in_history(client, users):
    client.force_login(users["coordinator"])
    client.post(reverse("organisation:organisation-edit"), _form())
    data = _form(**{"designations-INITIAL_FORMS": "1", "designations-0-DELETE": "on"})
    assert client.post(reverse("organisation:organisation-edit"), data).status_code == 302
    org = current_organisation()
    [designation] = org.designations.all()
    assert designation.ended_on == timezone.localdate()
    assert [v.kind for v in designation.versions.all()] == ["created", "ended"]
    assert org.active_designations(timezone.localdate()) == []
    page = client.get(reverse("organisation:organisation-edit")).content.decode()
    assert "Ended designations" in page


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


def test_form_posts_keep_one_designation_with_its_history(client, users):
    client.force_login(users["coordinator"])
    url = reverse("organisation:organisation-edit")
    client.post(url, _form())
    designation = current_organisation().designations.get()
    data = _form(
        **{
            "designations-INITIAL_FORMS": "1",
            "designations-0-id": str(designation.id),
            "designations-0-authority": "BIPT/IBPT",
            "designations-0-suspended": "on",
            "designations-0-suspended_from": "2026-09-10",
            "designations-0-note": "BIPT investigation, art. 22(6)",
        }
    )
    assert client.post(url, data).status_code == 302
    [after] = current_organisation().designations.all()
    assert after.id == designation.id
    assert [v.kind for v in after.versions.all()] == ["created", "changed", "suspended"]
    assert not after.is_active_on(dt.date(2026, 9, 10))
    assert after.is_active_on(dt.date(2026, 9, 9))
    page = client.get(url).content.decode()
    assert "History: 3 versions" in page
    assert "BIPT investigation, art. 22(6)" in page
    assert 'value="2026-09-10"' in page
    assert f'value="{designation.id}"' in page
    assert reverse("organisation:legal-bases") in page


def test_form_lifts_a_suspension_when_unticked(client, users):
    client.force_login(users["coordinator"])
    url = reverse("organisation:organisation-edit")
    client.post(url, _form(**{"designations-0-suspended": "on"}))
    designation = current_organisation().designations.get()
    assert designation.is_suspended
    today = timezone.localdate().isoformat()
    data = _form(
        **{
            "designations-INITIAL_FORMS": "1",
            "designations-0-id": str(designation.id),
            "designations-0-suspended_from": today,
        }
    )
    assert client.post(url, data).status_code == 302
    designation = current_organisation().designations.get()
    assert not designation.is_suspended
    assert designation.suspensions.get().is_withdrawn  # lifted on its first day
