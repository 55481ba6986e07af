"""What a report's URLs must be, checked where reports come in (issue 8, point 13)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from flagdesk.cases.models import Item
from flagdesk.core import testing
from flagdesk.intake.models import Report

from .factories import api_payload

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"


def post(client: Client, *urls: str) -> Any:
    body = json.dumps(api_payload(urls=list(urls), language="en"))
    return client.post(REPORTS, data=body, content_type="application/json")


@pytest.fixture
def slow_dns(settings):
    """Every ``slow*.test`` look-up hangs until teardown; the report's deadline is tiny."""
    settings.URL_RESOLVER = "flagdesk.core.testing.blocking_resolver"
    settings.URL_LOOKUP_TIMEOUT_SECONDS = 0.01
    testing.hold_slow_lookups()
    yield
    testing.release_slow_lookups()


def test_a_report_completes_while_dns_never_answers(client, slow_dns):
    urls = [f"https://slow-{n}.test/p" for n in range(50)]  # the most a report may list
    response = post(client, *urls)
    # Undecided hosts are accepted, like hosts that do not resolve: nothing the reporter sent
    # is lost, and the safe fetcher checks each address again when it connects.
    assert response.status_code == 201, response.content
    assert sorted(Item.objects.values_list("url", flat=True)) == sorted(urls)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://mixed.test/p", "private or local network"),
        ("https://social.test:0/p", "port 0"),
        ("https://social.test/\u202egpj.exe", "invisible formatting character (U+202E)"),
        ("https://social.test/%E2%80%AEgpj.exe", "invisible formatting character (U+202E)"),
    ],
)
def test_hostile_urls_are_refused_with_the_reason(client, url, reason):
    response = post(client, url, "https://social.test/fine")
    assert response.status_code == 422, response.content
    [message] = response.json()["error"]["fields"]["urls"]
    assert reason in message
    assert not Report.objects.exists()


def test_the_web_form_refuses_a_host_that_also_resolves_to_loopback(client):
    from django.urls import reverse

    from .factories import form_data

    response = client.post(reverse("intake:report"), form_data(urls="https://mixed.test/p"))
    assert "private or local network" in response.content.decode()
    assert not Report.objects.exists()
