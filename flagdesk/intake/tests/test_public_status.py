"""What the reporter sees for each item status: a restriction is never shown as a removal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.cases.models import Item
from flagdesk.intake.queries import PUBLIC_STATUS, public_status
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.intake.views import STATUS_TEXT

pytestmark = pytest.mark.django_db


def test_every_item_status_has_a_public_status_with_its_wording():
    assert set(PUBLIC_STATUS) == set(Item.Status)
    assert set(PUBLIC_STATUS.values()) <= set(STATUS_TEXT)


def test_restricted_has_its_own_status_and_never_reads_removed():
    assert PUBLIC_STATUS[Item.Status.RESTRICTED] == "restricted"
    title, text = (str(s) for s in STATUS_TEXT["restricted"])
    assert "did not remove" in text and title != str(STATUS_TEXT["removed"][0])


@pytest.fixture
def two_items():
    submitted = submit_report(
        ReportSubmission(urls=["https://example.test/a", "https://example.test/b"], role="victim")
    )
    return submitted, list(Item.objects.filter(reports=submitted.report).order_by("created_at"))


def _set(item: Item, status: str) -> None:
    # The state machine is the notices' business; here only the mapping is under test.
    Item.objects.filter(pk=item.pk).update(status=status)


def test_a_report_with_one_restricted_item_is_restricted_not_removed(two_items):
    submitted, [first, second] = two_items
    _set(first, Item.Status.REMOVED)
    _set(second, Item.Status.RESTRICTED)
    status = public_status(submitted.report)
    assert status.status == "restricted"
    assert [i.status for i in status.items] == ["removed", "restricted"]
    _set(second, Item.Status.REMOVED)
    assert public_status(submitted.report).status == "removed"


def test_the_status_page_words_a_restriction_plainly(client, two_items):
    submitted, items = two_items
    for item in items:
        _set(item, Item.Status.RESTRICTED)
    page = client.post(
        reverse("intake:report-status"),
        {"reference": submitted.report.reference, "receipt_code": submitted.receipt_code},
    ).content.decode()
    assert 'class="badge restricted"' in page and "did not remove it" in page
    assert 'class="badge removed"' not in page
