"""The statistics settings: a coordinator's page (with a preview of the bands), the service
with its audit entry, and the organisation API."""

# ruff: noqa: RUF001 (the bands' labels use an en dash)
from __future__ import annotations

import json

import pytest
from django.urls import reverse

from flagdesk.accounts.services import issue_token
from flagdesk.audit.models import AuditEntry
from flagdesk.core.errors import PermissionDenied, ValidationFailed
from flagdesk.organisation.services import current_organisation, update_statistics_settings

pytestmark = pytest.mark.django_db
URL = "organisation:statistics-settings"


def test_the_service_saves_and_audits(users):
    update_statistics_settings(actor=users["coordinator"], age_bands=[13, 18], min_cell=10)
    org = current_organisation()
    assert (org.statistics_age_bands, org.statistics_min_cell) == ([13, 18], 10)
    entry = AuditEntry.objects.get(action="organisation.statistics")
    assert entry.data == {
        "before": {"age_bands": [12, 14, 18], "min_cell": 5},
        "after": {"age_bands": [13, 18], "min_cell": 10},
    }
    # The same values again: nothing written.
    update_statistics_settings(actor=users["coordinator"], age_bands=[13, 18], min_cell=10)
    assert AuditEntry.objects.filter(action="organisation.statistics").count() == 1


def test_the_service_refuses_wrong_values_and_other_roles(users):
    with pytest.raises(ValidationFailed) as refused:
        update_statistics_settings(actor=users["coordinator"], age_bands=[18, 12], min_cell=0)
    assert set(refused.value.fields) == {"age_bands", "min_cell"}
    with pytest.raises(PermissionDenied):
        update_statistics_settings(actor=users["admin"], age_bands=[13, 18], min_cell=5)
    # Unchanged values pass for any organisation editor (a client sends back what it read).
    update_statistics_settings(actor=users["admin"], age_bands=[12, 14, 18], min_cell=5)


def test_the_page_previews_saves_and_explains(client, users):
    client.force_login(users["coordinator"])
    html = client.get(reverse(URL)).content.decode()
    assert "under 12 · 12–13 · 14–17 · 18 and over" in html
    assert 'value="12, 14, 18"' in html
    assert "no victim can be recognised" in html
    preview = client.post(reverse(URL), {"age_bands": "10, 13", "min_cell": "5",
                                         "action": "preview"})  # fmt: skip
    assert "under 10 · 10–12 · 13 and over" in preview.content.decode()
    assert current_organisation().statistics_age_bands == [12, 14, 18]
    saved = client.post(reverse(URL), {"age_bands": "10; 13", "min_cell": "7", "action": "save"})
    assert saved.status_code == 302
    org = current_organisation()
    assert (org.statistics_age_bands, org.statistics_min_cell) == ([10, 13], 7)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"age_bands": "12, eleven", "min_cell": "5"}, "Give whole numbers of years"),
        ({"age_bands": "14, 12", "min_cell": "5"}, "increasing order"),
        ({"age_bands": "1,2,3,4,5,6,7,8,9", "min_cell": "5"}, "At most 8 ages"),
        ({"age_bands": "12, 200", "min_cell": "5"}, "from 1 to 120"),
        ({"age_bands": "12", "min_cell": "0"}, "from 1 to 100"),
    ],
)
def test_the_page_names_wrong_values(client, users, data, message):
    client.force_login(users["coordinator"])
    response = client.post(reverse(URL), {**data, "action": "save"})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert current_organisation().statistics_age_bands == [12, 14, 18]


def test_the_organisation_page_links_to_it_for_coordinators_only(client, users):
    link = reverse(URL)
    client.force_login(users["coordinator"])
    assert link in client.get(reverse("organisation:organisation-edit")).content.decode()
    client.force_login(users["admin"])
    assert link not in client.get(reverse("organisation:organisation-edit")).content.decode()
    assert client.get(link).status_code == 403


ORGANISATION = {
    "name": "Safe Online asbl",
    "email": "notices@safe.test",
    "designations": [{"authority": "BIPT", "designated_on": "2026-07-03", "phenomena": ["ncii"]}],
}


def put(client, user, body):
    return client.put(
        "/api/v1/organisation",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_token(user)}"},
    )


def test_the_api_reads_and_sets_the_statistics(client, users, api):
    got = api("coordinator").get("/organisation").json()["statistics"]
    assert got == {
        "age_bands": [12, 14, 18],
        "min_cell": 5,
        "band_labels": ["under 12", "12–13", "14–17", "18 and over"],
    }
    body = {**ORGANISATION, "statistics": {"age_bands": [14], "min_cell": 3}}
    answer = put(client, users["coordinator"], body)
    assert answer.status_code == 200, answer.content
    assert answer.json()["statistics"]["band_labels"] == ["under 14", "14 and over"]
    # Left out: unchanged.
    assert put(client, users["coordinator"], ORGANISATION).json()["statistics"]["min_cell"] == 3


def test_the_api_refuses_wrong_statistics_and_stores_nothing(client, users):
    body = {**ORGANISATION, "name": "Renamed", "statistics": {"age_bands": [18, 12],
                                                              "min_cell": 500}}  # fmt: skip
    answer = put(client, users["coordinator"], body)
    assert answer.status_code == 422
    assert set(answer.json()["error"]["fields"]) == {"statistics.age_bands", "statistics.min_cell"}
    assert current_organisation().name != "Renamed"


def test_an_administrator_may_send_them_back_but_not_change_them(client, users):
    same = {**ORGANISATION, "statistics": {"age_bands": [12, 14, 18], "min_cell": 5}}
    assert put(client, users["admin"], same).status_code == 200
    changed = {**ORGANISATION, "name": "Renamed", "statistics": {"age_bands": [13],
                                                                 "min_cell": 5}}  # fmt: skip
    answer = put(client, users["admin"], changed)
    assert answer.status_code == 403
    assert current_organisation().name != "Renamed"
