"""The dashboard page, its filters, its CSV downloads and the number of queries it makes."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.urls import reverse

from flagdesk.notices.models import NoticeResponse
from flagdesk.platforms.models import Platform

from .dataset import at, build

pytestmark = pytest.mark.django_db

PERIOD = "?from=2026-01-01&to=2026-06-30"
D = NoticeResponse.Decision


@pytest.fixture
def world(users):
    return build(users["coordinator"])


def page(client, users, query=PERIOD, role="coordinator"):
    client.force_login(users[role])
    response = client.get(reverse("stats:dashboard") + query)
    assert response.status_code == 200
    return response.content.decode()


class Tables(HTMLParser):
    """Each table's caption, header cells (with their scope) and the first cell of its rows."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"caption": "", "scopes": [], "rows": 0})
        elif tag == "caption":
            self._in = "caption"
        elif tag == "th" and self.tables:
            self.tables[-1]["scopes"].append(attrs.get("scope"))
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"] += 1

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in = None

    def handle_data(self, data):
        if self._in == "caption":
            self.tables[-1]["caption"] += data


def test_every_section_has_a_chart_and_an_accessible_table(client, users, world):
    html = page(client, users)
    parser = Tables()
    parser.feed(html)
    assert len(parser.tables) >= 14
    for table in parser.tables:
        assert table["caption"].strip()
        assert set(table["scopes"]) <= {"col", "row"} and "col" in table["scopes"]
    assert html.count("<svg") >= 14
    assert html.count('role="img"') >= 14
    assert "<title>Reports and items per month</title>" in html
    # Labels, never codes.
    assert "Gender-based hate speech" in html or "hate speech" in html.lower()
    assert "gender_hate_speech</" not in html and ">ncii<" not in html
    assert "Phone line" in html and "A parent or guardian" in html
    # A percentage with its count.
    assert "75 % (3 of 4)" in html
    # CSV links carry the filters.
    assert (
        reverse("stats:table-csv", args=["notices"]) + "?from=2026-01-01&amp;to=2026-06-30" in html
    )


def test_the_auditor_sees_the_dashboard_too(client, users, world):
    assert "Code of Conduct on illegal hate speech" in page(client, users, role="auditor")


def test_an_empty_period_explains_itself(client, users, world):
    html = page(client, users, "?from=2020-01-01&to=2020-12-31")
    assert "No notice was sent in this period." in html
    assert "No report came in during this period." in html
    assert "No case was opened in this period." in html
    assert "<svg" not in html


def test_default_period_is_this_year_to_date(client, users, world):
    from django.utils import timezone

    today = timezone.localdate()
    html = page(client, users, "")
    assert f"From {today.year}-01-01 to {today.isoformat()}" in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?from=2026-05-01&to=2026-01-01", "to", "The end of the period is before its start."),
        ("?from=31/01/2026", "from", "Enter a date as YYYY-MM-DD, for example 2026-01-31."),
        ("?from=2015-01-01&to=2026-01-01", "to", "A period can span at most 5 years"),
        ("?phenomenon=nonsense", "phenomenon", "Select a valid choice."),
        ("?platform=not-a-uuid", "platform", "Select a valid choice."),
    ],
)
def test_invalid_filters_are_explained(client, users, api, world, query, field, message):
    html = page(client, users, query)
    assert message in html
    assert "The filters are not valid: the page shows this year to date." in html
    params = dict(pair.split("=") for pair in query[1:].split("&"))
    response = api("auditor").get("/stats/dashboard", **params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert message in " ".join(error["fields"][field])
    csv_response = client.get(reverse("stats:table-csv", args=["months"]) + query)
    assert csv_response.status_code == 400


def test_filters_are_translated(client, users, world):
    client.force_login(users["coordinator"])
    html = client.get(
        reverse("stats:dashboard") + "?from=2026-05-01&to=2026-01-01",
        headers={"accept-language": "fr"},
    ).content.decode()
    assert 'lang="fr"' in html
    # Django's own words are translated already; ours once the catalogue is merged.
    assert "Statistics" in html or "Statistiques" in html


def read_csv(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_download_is_internal_and_formula_safe(client, users, world):
    Platform.objects.filter(pk=world.platforms["Alpha"].pk).update(name="=HYPERLINK(1)")
    client.force_login(users["auditor"])
    response = client.get(reverse("stats:table-csv", args=["notices"]) + PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        "statistics-internal-notices-2026-01-01-2026-06-30.csv" in response["Content-Disposition"]
    )
    rows = read_csv(response)
    assert rows[0][0].startswith("Internal: exact counts, not for publication.")
    assert rows[1] == [
        "Platform",
        "Notices sent",
        "Acknowledged",
        "Acknowledged (%)",
        "Decided",
        "Decided (%)",
        "Answered",
        "Answered (%)",
        "Items removed",
        "Items removed (%)",
    ]
    by_platform = {row[0]: row for row in rows[2:]}
    assert by_platform["'=HYPERLINK(1)"] == [
        "'=HYPERLINK(1)", "3", "3", "100.0", "3", "100.0", "3", "100.0", "3", "75.0"
    ]  # fmt: skip
    assert by_platform["Beta"][1:] == ["2", "1", "50.0", "0", "0.0", "1", "50.0", "0", "0.0"]


def test_every_table_downloads(client, users, world):
    from flagdesk.stats.tables import TABLES

    client.force_login(users["coordinator"])
    for name in TABLES:
        response = client.get(reverse("stats:table-csv", args=[name]) + PERIOD)
        assert response.status_code == 200, name
        assert len(read_csv(response)) >= 2, name
    assert client.get(reverse("stats:table-csv", args=["nothing"])).status_code == 404


def grow(world, n: int) -> None:
    """``n`` more cases, each with a report, two items and a decided notice."""
    for k in range(n):
        case = f"more-{k}"
        world.case(case, at(2026, 2, 1 + k % 27), victim_age=10 + k, victim_gender="female")
        world.item(f"{case}-a", case, "ncii", "Alpha")
        world.item(f"{case}-b", case, "sextortion", "Beta")
        world.report(case, [f"{case}-a", f"{case}-b"], at(2026, 2, 1 + k % 27), age="18-24")
        world.notice(
            f"{case}-n",
            "Alpha",
            [f"{case}-a"],
            at(2026, 3, 1 + k % 27, 9),
            acknowledged_at=at(2026, 3, 1 + k % 27, 10),
            decisions=[(f"{case}-a", D.REMOVED, at(2026, 3, 1 + k % 27, 11 + k % 5))],
        )


def test_the_number_of_queries_does_not_grow_with_the_data(
    client, users, world, django_assert_max_num_queries
):
    client.force_login(users["coordinator"])
    url = reverse("stats:dashboard") + PERIOD
    client.get(url)  # the session and the cache warmed once

    def count() -> int:
        # Everything computed and drawn again: the same work both times. About fifty of the
        # queries store the charts (the database cache writes each key in three queries).
        cache.clear()
        with django_assert_max_num_queries(150) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    small = count()
    grow(world, 12)
    assert count() == small


def test_the_worker_computes_the_default_view_ahead(world, users, client):
    """The worker's periodic job leaves the default view computed: the page then reuses it."""
    from flagdesk.site.worker import periodic_jobs
    from flagdesk.stats.figures import default_filters
    from flagdesk.stats.figures.dashboard import cached_dashboard

    [job] = [j for j in periodic_jobs() if j.name == "stats.dashboard"]
    assert not job.in_burst
    job.run()
    first = cached_dashboard(default_filters())
    assert cached_dashboard(default_filters()).now == first.now  # reused, not recomputed
