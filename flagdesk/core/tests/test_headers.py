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


def _csp(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: " ".join(d.split()[1:]) for d in policy.split(";") if d.strip()}


@pytest.mark.parametrize(
    "path", ["/report", "/report/status", "/login", "/api/v1/docs", "/api/v1/nowhere"]
)
def test_every_answer_has_the_strict_policy_and_framing_is_refused(client, db, path):
    response = client.get(path)
    policy = _csp(response)
    assert policy["script-src"] == policy["style-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert policy["object-src"] == policy["base-uri"] == policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_staff_pages_and_api_answers_have_the_policy_too(client, users, api):
    client.force_login(users["coordinator"])
    for response in (client.get("/staff/platforms/"), api("analyst").get("/items")):
        assert _csp(response)["script-src"] == "'self'"
        assert response["X-Frame-Options"] == "DENY"


def test_no_page_ships_inline_script_or_style(client, db):
    for path in ("/report", "/report/status", "/login", "/api/v1/docs"):
        page = client.get(path).content.decode()
        assert "<script>" not in page and " onload=" not in page and "<style" not in page


@pytest.mark.parametrize(
    "feature",
    ["camera", "microphone", "geolocation", "payment", "usb", "interest-cohort", "browsing-topics"],
)
def test_powerful_features_are_refused(client, db, feature):
    policy = client.get("/report")["Permissions-Policy"]
    assert f"{feature}=()" in [p.strip() for p in policy.split(",")]
