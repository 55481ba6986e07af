"""The annual report through the API and the staff pages, and the public open data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.organisation.services.designations import current_organisation
from flagdesk.stats.models import AnnualReport

from .annual_data import build_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(users):
    build_year(users)
    org = current_organisation()
    org.statistics_min_cell = 0
    org.independence_procedures = "Our board has no member working for a platform."
    org.save()


# --- API --------------------------------------------------------------------------------------


def test_api_gives_the_draft_json(api, year):
    response = api("auditor").get("/stats/annual-report", year="2025")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "draft"
    assert data["totals"]["notices"] == 4
    assert {"organisation", "period", "totals", "by_provider", "median_hours_to_action"} <= set(
        data
    )
    assert data["by_provider"][0]["by_type"][0]["actions"].keys() >= {
        "removed",
        "disabled",
        "refused",
        "no_action",
        "pending",
        "restricted",
    }


@pytest.mark.parametrize(
    ("fmt", "content_type", "start"),
    [
        ("csv", "text/csv", b"\xef\xbb\xbfyear,"),
        ("html", "text/html", b"<!DOCTYPE html>"),
        ("pdf", "application/pdf", b"%PDF"),
    ],
)
def test_api_gives_the_files(api, year, fmt, content_type, start):
    response = api("coordinator").get("/stats/annual-report", year="2025", format=fmt)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response.content.startswith(start)
    assert f'filename="annual-report-2025-draft.{fmt}"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "1999"}, "year"),
        ({"year": "soon"}, "year"),
        ({"year": "2025", "format": "doc"}, "format"),
    ],
)
def test_api_refuses_bad_years_and_formats(api, year, params, field):
    response = api("auditor").get("/stats/annual-report", **params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]


def test_api_finalise_then_open_data(api, client, year):
    assert api(None).get("/stats/open-data", year="2025").status_code == 404
    assert api("auditor").post("/stats/annual-report/2025/finalise").status_code == 403
    response = api("coordinator").post("/stats/annual-report/2025/finalise")
    assert response.status_code == 201, response.content
    final = response.json()
    assert final["status"] == "final" and len(final["sha256"]) == 64
    again = api("coordinator").post("/stats/annual-report/2025/finalise")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    # Open data: public, no token.
    published = client.get("/api/v1/stats/open-data", {"year": "2025"})
    assert published.status_code == 200
    assert published.json()["sha256"] == final["sha256"]
    csv = client.get("/api/v1/stats/open-data", {"year": "2025", "format": "csv"})
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbfyear,")
    assert b"2025,final,Alpha" in csv.content
    assert client.get("/api/v1/stats/open-data", {"year": "2024"}).status_code == 404
    assert (
        client.get("/api/v1/stats/open-data", {"year": "x"}).json()["error"]["code"] == "not_found"
    )


def test_the_data_dictionary_names_every_csv_column(client):
    from flagdesk.stats.annual.render import CSV_COLUMNS

    response = client.get("/api/v1/stats/open-data/dictionary")
    assert response.status_code == 200
    columns = response.json()["csv"]
    assert [c["name"] for c in columns] == list(CSV_COLUMNS)
    assert all({"name", "type", "meaning", "unit", "suppression"} <= set(c) for c in columns)


# --- staff pages ------------------------------------------------------------------------------


def test_the_list_and_a_draft(client, users, year):
    client.force_login(users["auditor"])
    listed = client.get(reverse("stats:annual-list"))
    assert listed.status_code == 200 and b"2025" in listed.content
    page = client.get(reverse("stats:annual-detail", kwargs={"year": 2025}))
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "DRAFT" in html
        and "Notices by provider" in html
        and '<img src="data:image/svg+xml;base64,' in html
    )
    for fmt in ("json", "csv", "html", "pdf"):
        assert reverse("stats:annual-download", kwargs={"year": 2025, "fmt": fmt}) in html
    assert reverse("stats:annual-finalise", kwargs={"year": 2025}) not in html  # auditors read
    pdf = client.get(reverse("stats:annual-download", kwargs={"year": 2025, "fmt": "pdf"}))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("stats:annual-finalise", kwargs={"year": 2025})).status_code == 403


def test_a_coordinator_finalises_after_the_check(client, users, year):
    client.force_login(users["coordinator"])
    detail = reverse("stats:annual-detail", kwargs={"year": 2025})
    assert (
        reverse("stats:annual-finalise", kwargs={"year": 2025})
        in client.get(detail).content.decode()
    )
    confirm = client.get(reverse("stats:annual-finalise", kwargs={"year": 2025}))
    assert confirm.status_code == 200
    assert "No personal data found" in confirm.content.decode()
    done = client.post(reverse("stats:annual-finalise", kwargs={"year": 2025}))
    assert done.status_code == 302 and done["Location"] == detail
    report = AnnualReport.objects.get(year=2025)
    page = client.get(detail).content.decode()
    assert report.sha256 in page and "DRAFT" not in page
    listed = client.get(reverse("stats:annual-list")).content.decode()
    assert report.sha256 in listed


def test_finalising_shows_what_was_found(client, users, year):
    org = current_organisation()
    org.independence_procedures = "Questions: chair@board.test"
    org.save()
    client.force_login(users["coordinator"])
    confirm = client.get(reverse("stats:annual-finalise", kwargs={"year": 2025})).content.decode()
    assert "an email address in independence_procedures" in confirm
    assert '<form method="post">' not in confirm
    refused = client.post(reverse("stats:annual-finalise", kwargs={"year": 2025}))
    assert refused.status_code == 422
    assert not AnnualReport.objects.exists()


def test_unknown_years_and_formats_are_not_found(client, users):
    client.force_login(users["coordinator"])
    assert client.get(reverse("stats:annual-detail", kwargs={"year": 1999})).status_code == 404
    url = reverse("stats:annual-download", kwargs={"year": 2025, "fmt": "docx"})
    assert client.get(url).status_code == 404


def test_the_public_open_data_page(client, users, year, api):
    page = client.get(reverse("opendata:index"))
    assert page.status_code == 200
    assert "No report has been finalised yet." in page.content.decode()
    api("coordinator").post("/stats/annual-report/2025/finalise")
    client.logout()
    html = client.get(reverse("opendata:index")).content.decode()
    assert "/api/v1/stats/open-data?year=2025&amp;format=csv" in html
    assert AnnualReport.objects.get().sha256 in html
    assert "suppressed" in html  # the dictionary's columns
