"""Need-to-know (issue 11, point 3): a role that reads cases is not enough.

A case restricted to named staff, and a case involving a minor, are out of reach for
everyone else: not in lists, 404 on their pages and in the API (as if they did not exist),
their notices hidden, their reporters' details and files refused. Administrators see no
case content at all.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.accounts.models import User
from flagdesk.accounts.services import issue_token
from flagdesk.cases.access import MINOR_AGE_BANDS
from flagdesk.cases.models import Case
from flagdesk.cases.tests.factories import approved_item, reported_item, social_platform
from flagdesk.intake.models import Report
from flagdesk.notices.services import queue_notices

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(users) -> User:
    """An analyst of the same organisation, not cleared for minors' cases."""
    return User.objects.create_user("uma", password="x", role="analyst")


def pages(item) -> list[str]:
    """Pages of the item every case role opens (intake included), so a refusal here is the
    need-to-know rule, not the role."""
    return [
        reverse("cases:item-detail", args=[item.id]),
        reverse("cases:report-reveal", args=[item.reports.get().id]),
        reverse("matching:item-hash", args=[item.id]),
    ]


def sees(client, user, item) -> bool:
    client.force_login(user)
    statuses = {client.get(url).status_code for url in pages(item)}
    listed = item.url in client.get(reverse("cases:queue")).content.decode()
    token = issue_token(user, scope="read")
    api = client.get(f"/api/v1/items/{item.id}", headers={"Authorization": f"Bearer {token}"})
    api_list = client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"}).json()
    rows = api_list["items"] if isinstance(api_list, dict) else api_list
    api_listed = any(row["id"] == str(item.id) for row in rows)
    if statuses == {404} and not listed and api.status_code == 404 and not api_listed:
        return False
    assert statuses == {200} and listed and api.status_code == 200 and api_listed, (
        statuses,
        listed,
        api.status_code,
        api_listed,
    )
    return True


def test_a_restricted_case_is_seen_by_its_named_staff_only(client, users, colleague):
    social_platform(users["coordinator"])
    item = reported_item("https://social.test/colleague/1")
    item.case.restricted_to.set([users["analyst"], users["reviewer"]])
    assert sees(client, users["analyst"], item)
    assert sees(client, users["reviewer"], item)
    assert not sees(client, users["coordinator"], item)
    assert not sees(client, colleague, item)
    assert not sees(client, users["intake"], item)


@pytest.mark.parametrize("how", ["minor_depicted", "phenomenon", "age_band"])
def test_a_case_involving_a_minor_is_for_cleared_staff_only(client, users, colleague, how):
    social_platform(users["coordinator"])
    item = reported_item("https://social.test/minor/1")
    if how == "minor_depicted":
        Case.objects.filter(pk=item.case_id).update(has_minor_depicted=True)
    elif how == "phenomenon":
        type(item).objects.filter(pk=item.pk).update(phenomenon="grooming")
    else:
        Report.objects.filter(items=item).update(victim_age_band=MINOR_AGE_BANDS[0])
    assert users["analyst"].minors_clearance
    assert sees(client, users["analyst"], item)
    assert not sees(client, colleague, item)
    assert not sees(client, users["intake"], item)


def test_the_minor_age_bands_are_intakes(db):
    assert set(MINOR_AGE_BANDS) <= set(Report.AgeBand.values)


def test_a_notice_naming_a_hidden_item_is_hidden(client, users, colleague):
    social_platform(users["coordinator"])
    open_item, _ = approved_item(users, "https://social.test/n/open")
    hidden_item, _ = approved_item(users, "https://social.test/n/hidden")
    [notice] = queue_notices([open_item, hidden_item], actor=users["analyst"])
    hidden_item.case.restricted_to.set([users["analyst"]])
    client.force_login(colleague)
    assert client.get(reverse("notices:notice-detail", args=[notice.id])).status_code == 404
    assert notice.reference not in client.get(reverse("notices:notice-list")).content.decode()
    client.force_login(users["analyst"])
    assert client.get(reverse("notices:notice-detail", args=[notice.id])).status_code == 200


def test_administrators_and_auditors_see_no_case_content(client, users):
    social_platform(users["coordinator"])
    item = reported_item("https://social.test/admin/1")
    for role in ("admin", "auditor"):
        client.force_login(users[role])
        for url in pages(item):
            assert client.get(url).status_code == 403, (role, url)
        token = issue_token(users[role], scope="read")
        response = client.get(
            f"/api/v1/items/{item.id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 403


def test_the_reveal_service_itself_checks_the_scope(users, colleague):
    from flagdesk.cases.services import reveal_reporter
    from flagdesk.core.errors import NotFound

    social_platform(users["coordinator"])
    item = reported_item(
        "https://social.test/svc/1",
        is_anonymous=False,
        reporter_name="Jo Test",
        reporter_email="jo@example.org",
        has_consented=True,
    )
    item.case.restricted_to.set([users["analyst"]])
    with pytest.raises(NotFound):
        reveal_reporter(item.reports.get(), actor=colleague, reason="Call the reporter back")


def test_restricting_a_case_through_its_page(client, users, colleague):
    social_platform(users["coordinator"])
    item = reported_item("https://social.test/page/1")
    url = reverse("cases:case-access", args=[item.case_id])
    client.force_login(users["reviewer"])
    page = client.get(url).content.decode()
    assert "alice" in page and "uma" in page and "erin" not in page  # caseworkers only
    short = client.post(url, {"staff": [users["analyst"].pk], "reason": "colleague"})
    assert short.status_code == 200 and not item.case.restricted_to.exists()
    response = client.post(
        url, {"staff": [users["analyst"].pk], "reason": "The victim is a colleague of ours"}
    )
    assert response["Location"] == reverse("cases:item-detail", args=[item.id])
    # The reviewer who restricted it stays on the list.
    assert set(item.case.restricted_to.values_list("username", flat=True)) == {"alice", "bob"}
    assert not sees(client, colleague, item)
    from flagdesk.audit.models import AuditEntry
    from flagdesk.cases.models import CaseEvent

    entry = AuditEntry.objects.get(action="case.restricted")
    assert entry.reason == "The victim is a colleague of ours"
    assert CaseEvent.objects.filter(case=item.case, kind="access").exists()
    # Opening it again.
    client.force_login(users["reviewer"])
    client.post(url, {"reason": "No longer needed, case closed"})
    assert not item.case.restricted_to.exists()
    assert sees(client, colleague, item)


def test_only_cleared_staff_can_be_named_for_a_minors_case(client, users, colleague):
    from flagdesk.cases.services.restriction import restrict_case
    from flagdesk.core.errors import ValidationFailed

    social_platform(users["coordinator"])
    item = reported_item("https://social.test/page/2")
    Case.objects.filter(pk=item.case_id).update(has_minor_depicted=True)
    item.case.refresh_from_db()
    with pytest.raises(ValidationFailed):
        restrict_case(
            item.case, actor=users["reviewer"], staff=[colleague], reason="Public figure involved"
        )


def test_bank_pages_name_a_known_item_only_to_those_who_may_open_it(client, users, colleague):
    from flagdesk.matching.services.banks import EntryInput, add_entries, create_bank
    from flagdesk.matching.tests.factories import random_pdq

    social_platform(users["coordinator"])
    item, _ = approved_item(users, "https://social.test/banked/1")
    item.case.restricted_to.set([users["analyst"]])
    bank = create_bank(actor=users["coordinator"], name="Known")
    added = add_entries(
        bank, [EntryInput("pdq", random_pdq(7), 90, item=item)], actor=users["coordinator"]
    )
    [entry] = added.added
    pages = [
        reverse("matching:bank-detail", args=[bank.slug]),
        reverse("matching:entry-detail", kwargs={"slug": bank.slug, "public_id": entry.public_id}),
    ]
    for user, sees_it in ((users["analyst"], True), (colleague, False), (users["admin"], False)):
        client.force_login(user)
        for url in pages:
            page = client.get(url).content.decode()
            assert (item.case.reference in page) is sees_it, (user, url)
            assert (item.url in page) is sees_it or url == pages[0], (user, url)
