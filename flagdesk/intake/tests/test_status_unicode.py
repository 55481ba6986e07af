"""Issue 8, point 24: the reporter's status page shows the address as they typed it
(bücher.test), not the stored IDNA form (xn--bcher-kva.test)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from flagdesk.cases.models import Item

from .factories import submitted_report

pytestmark = pytest.mark.django_db


def test_status_page_shows_the_unicode_host(client: Client, settings) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    submitted = submitted_report("https://bücher.test/p/1")
    assert Item.objects.get().url == "https://xn--bcher-kva.test/p/1"
    response = client.post(
        reverse("intake:report-status"),
        {"reference": submitted.report.reference, "receipt_code": submitted.receipt_code},
    )
    page = response.content.decode()
    assert '<h3 id="address-1" class="url">https://bücher.test/p/1</h3>' in page
    assert "xn--" not in page
