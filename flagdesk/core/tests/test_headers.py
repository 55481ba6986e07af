"""Headers every answer carries: no caching of what we answer, a CSP on every page."""

from __future__ import annotations

import json

import pytest

REPORT = {
    "language": "en",
    "urls": ["https://social.test/headers/1"],
    "role": "witness",
    "reporter": {"anonymous": True},
}


@pytest.fixture(autouse=True)
def _resolver(settings):
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/report", "/report/status", "/login", "/api/v1/nowhere"])
def test_public_answers_are_not_cached(client, db, path):
    assert _no_store(client.get(path))


def test_the_receipt_code_answer_and_the_status_page_are_not_cached(client, db):
    created = client.post("/api/v1/reports", json.dumps(REPORT), content_type="application/json")
    assert created.status_code == 201 and _no_store(created)
    body = created.json()
    status = client.post(
        "/report/status",
        {"reference": body["reference"], "receipt_code": body["receipt_code"]},
    )
    assert status.status_code == 200 and _no_store(status)
    api_status = client.get(
        f"/api/v1/reports/{body['reference']}", headers={"X-Receipt-Code": body["receipt_code"]}
    )
    assert api_status.status_code == 200 and _no_store(api_status)


@pytest.mark.parametrize("path", ["/staff/", "/staff/notices/", "/staff/platforms/"])
def test_staff_pages_are_not_cached(client, users, path):
    client.force_login(users["coordinator"])
    response = client.get(path)
    assert response.status_code == 200 and _no_store(response)


def test_staff_api_answers_are_not_cached(api):
    response = api("analyst").get("/items")
    assert response.status_code == 200 and _no_store(response)


def test_static_files_stay_cacheable(client, db):
    response = client.get("/static/flagdesk/flagdesk.css")
    assert response.status_code == 200
    assert not _no_store(response)
