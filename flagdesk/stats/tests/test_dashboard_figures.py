"""Every figure of the dashboard's JSON for a known data set (``dataset.py``), each expected
value computed by hand below, never by the code under test. The suite runs on SQLite and on
PostgreSQL (``make test``), where the percentiles come from SQL: both must give these numbers.

The period is 2026-01-01 .. 2026-06-30; the year earlier 2025-01-01 .. 2025-06-30.
"""

from __future__ import annotations

import pytest

from flagdesk.notices import sla

from .dataset import build

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2026-01-01", "to": "2026-06-30"}


@pytest.fixture
def world(users):
    return build(users["coordinator"])


@pytest.fixture
def figures(world, api):
    response = api("auditor").get("/stats/dashboard", **PERIOD)
    assert response.status_code == 200, response.content
    return response.json()


def by(rows, key="platform"):
    return {row[key]: row for row in rows}


def test_filters_and_year_earlier(figures):
    assert figures["filters"] == {
        "from": "2026-01-01",
        "to": "2026-06-30",
        "phenomenon": None,
        "platform": None,
    }
    assert figures["year_earlier"] == {"from": "2025-01-01", "to": "2025-06-30"}


def test_volumes(figures):
    v = figures["volumes"]
    # Reports: A (Jan), D (1 Jan 00:30 Brussels), B (Feb), C twice (Mar), F (Apr), E (30 Jun
    # 23:30). X (31 Dec 2025 23:30) and Y (1 Jul 2026 00:30 in Brussels) are outside.
    assert v["months"] == [
        {"month": "2026-01", "reports": 2, "items": 3},  # I1, I2, I6
        {"month": "2026-02", "reports": 1, "items": 1},  # I3
        {"month": "2026-03", "reports": 2, "items": 2},  # I4, I5
        {"month": "2026-04", "reports": 1, "items": 1},  # I8
        {"month": "2026-05", "reports": 0, "items": 0},
        {"month": "2026-06", "reports": 1, "items": 1},  # I7
    ]
    assert v["years"] == [{"year": 2026, "reports": 7, "items": 8}]
    assert (v["reports"], v["items"]) == (7, 8)
    # A year earlier: G (one report, two items), H (one report, one item).
    assert (v["reports_year_earlier"], v["items_year_earlier"]) == (2, 3)
    assert v["reports_change"] == pytest.approx(2.5)  # (7 - 2) / 2
    assert v["items_change"] == pytest.approx(5 / 3)  # (8 - 3) / 3
    rows = by(v["phenomena"], "phenomenon")
    expected = {
        # phenomenon: reports, items, reports a year earlier, items a year earlier
        "": (1, 1, 0, 0),  # E's report gave none; I7 is not qualified
        "doxing": (0, 1, 0, 0),
        "gender_hate_speech": (2, 2, 0, 0),
        "grooming": (1, 1, 0, 0),
        "ncii": (1, 1, 1, 2),
        "sextortion": (2, 2, 1, 1),
    }
    assert {
        code: (r["reports"], r["items"], r["reports_year_earlier"], r["items_year_earlier"])
        for code, r in rows.items()
    } == expected
    assert rows["ncii"]["reports_change"] == 0.0
    assert rows["ncii"]["items_change"] == pytest.approx(-0.5)
    assert rows["sextortion"]["reports_change"] == pytest.approx(1.0)
    assert rows["grooming"]["reports_change"] is None  # nothing a year earlier
    assert rows["ncii"]["phenomenon_label"] != "ncii"  # a label, never the code
    assert rows[""]["phenomenon_label"] == "Not qualified"


def test_channels_and_roles(figures):
    got = {(r["channel"], r["role"]): r["reports"] for r in figures["channels"]}
    assert got == {
        ("web", "victim"): 2,  # A, F
        ("web", "witness"): 1,  # C's first
        ("phone", "parent"): 1,  # B
        ("phone", "witness"): 1,  # C's second
        ("email", "victim"): 1,  # D
        ("api", "professional"): 1,  # E
    }
    labels = {(r["channel_label"], r["role_label"]) for r in figures["channels"]}
    assert ("Phone line", "A parent or guardian") in labels


def test_victims(figures):
    v = figures["victims"]
    # One victim per case opened in the period: A, B, C, D, E, F.
    #   A: age 25 -> 18+; gender from the report: female.
    #   B: age 13 -> 12-13; male (facts).
    #   C: no facts; the earliest report with a guess is the second: 25-34 -> 18+, male.
    #   D: age 11 -> 0-11; female from the report.
    #   E: no facts; the guess 13-17 spans two bands -> unknown; non-binary from the report.
    #   F: no age, no guess -> unknown; female (facts).
    assert v["victims"] == 6
    assert [b["band"] for b in v["age_bands"]] == ["0-11", "12-13", "14-17", "18+"]
    assert [b["label"] for b in v["age_bands"]] == [
        "under 12",
        "12\u201313",
        "14\u201317",
        "18 and over",
    ]
    cells = {(r["band"], r["gender"]): r["victims"] for r in v["by_age_and_gender"]}
    assert cells == {
        ("18+", "female"): 1,
        ("18+", "male"): 1,
        ("12-13", "male"): 1,
        ("0-11", "female"): 1,
        ("unknown", "non_binary"): 1,
        ("unknown", "female"): 1,
    }
    per_phenomenon = {
        (r["phenomenon"], r["band"], r["gender"]): r["victims"] for r in v["by_phenomenon"]
    }
    assert per_phenomenon == {
        ("ncii", "18+", "female"): 1,  # A
        ("doxing", "18+", "female"): 1,  # A again: a case counts under each phenomenon
        ("sextortion", "12-13", "male"): 1,  # B
        ("sextortion", "unknown", "female"): 1,  # F
        ("gender_hate_speech", "18+", "male"): 1,  # C
        ("grooming", "0-11", "female"): 1,  # D
        ("", "unknown", "non_binary"): 1,  # E
    }
    # Four victims with a known band: D under 12; B and D under 14 and under 18.
    assert v["under"] == [
        {"age": 12, "victims": 1, "of_known": 4, "share": 0.25},
        {"age": 14, "victims": 2, "of_known": 4, "share": 0.5},
        {"age": 18, "victims": 2, "of_known": 4, "share": 0.5},
    ]
    levels = {r["school_level"]: r["victims"] for r in v["school_levels_of_minors"]}
    assert levels == {"primary": 1, "secondary": 1}  # D, B
    demands = {
        r["gender"]: (r["victims"], r["money"], r["images"], r["other"])
        for r in v["sextortion_demands"]
    }
    assert demands == {"male": (1, 1, 1, 0), "female": (1, 0, 0, 1)}  # B, F
    assert v["grooming_meetings"] == {"victims": 1, "sought": 1, "not_sought": 0, "unknown": 0}


def test_notices_per_platform(figures):
    rows = by(figures["notices"])
    assert list(rows) == ["Alpha", "Beta"]
    alpha, beta = rows["Alpha"], rows["Beta"]
    # Alpha: N1, N2 and the re-notice N5 (the reminder N6 and complaint N7 are not art. 16
    # notices; N8 is of 2025). All three answered and decided; N1 and N2 got a first decision
    # within 24 hours (10 h, 12 h), N5 after 25 h.
    assert alpha["notices_sent"] == 3
    assert (alpha["acknowledged"], alpha["acknowledged_share"]) == (3, 1.0)  # N2 by decision
    assert (alpha["decided"], alpha["decided_share"]) == (3, 1.0)
    assert alpha["reviewed_within_24h"] == 2
    assert alpha["reviewed_within_24h_share"] == pytest.approx(2 / 3)
    assert (alpha["answered"], alpha["answered_share"]) == (3, 1.0)
    # Items I1 (removed), I3 (restricted: never a removal), I4 (refused, corrected to
    # removed), I8 (removed).
    assert alpha["items"] == 4
    assert alpha["actions"] == {"removed": 3, "restricted": 1}
    assert (alpha["items_removed"], alpha["removal_rate"]) == (3, 0.75)
    # Beta: N3 (acknowledged, I5 no action, I2 undecided) and N4 (no answer). N9 is July.
    assert beta["notices_sent"] == 2
    assert (beta["acknowledged"], beta["acknowledged_share"]) == (1, 0.5)
    assert (beta["decided"], beta["decided_share"]) == (0, 0.0)
    assert (beta["reviewed_within_24h"], beta["answered"]) == (1, 1)
    assert beta["items"] == 3  # I2, I5, I6
    assert beta["actions"] == {"no_action": 1, "pending": 2}
    assert (beta["items_removed"], beta["removal_rate"]) == (0, 0.0)


def test_timing(figures):
    t = figures["timing"]
    platforms = by(t["by_platform"])
    # Alpha, to acknowledgement: N1 2 h, N5 4 h -> median 3, nearest-rank 90 % = the 2nd.
    assert platforms["Alpha"]["to_acknowledgement"] == pytest.approx(
        {"count": 2, "median_hours": 3.0, "p90_hours": 4.0}
    )
    # Alpha, to decision (each item's latest decision on the notice): I1 10 h, I3 24 h,
    # I4 48 h (the correction), I8 25 h -> [10, 24, 25, 48]: median 24.5, 90 % rank 4 = 48.
    assert platforms["Alpha"]["to_decision"] == pytest.approx(
        {"count": 4, "median_hours": 24.5, "p90_hours": 48.0}
    )
    assert platforms["Beta"]["to_acknowledgement"] == pytest.approx(
        {"count": 1, "median_hours": 24.0, "p90_hours": 24.0}
    )
    assert platforms["Beta"]["to_decision"] == pytest.approx(
        {"count": 1, "median_hours": 12.0, "p90_hours": 12.0}
    )
    phenomena = by(t["by_phenomenon"], "phenomenon")
    # Acknowledged notices under each phenomenon of their items: N1 (ncii, sextortion) 2 h,
    # N5 (sextortion) 4 h, N3 (doxing, hate speech) 24 h.
    expected_ack = {
        "ncii": (1, 2.0, 2.0),
        "sextortion": (2, 3.0, 4.0),
        "doxing": (1, 24.0, 24.0),
        "gender_hate_speech": (1, 24.0, 24.0),
    }
    # Decisions under the item's phenomenon: I1 ncii 10; I3 24 and I8 25 sextortion; I4 48
    # and I5 12 hate speech.
    expected_decision = {
        "ncii": (1, 10.0, 10.0),
        "sextortion": (2, 24.5, 25.0),
        "gender_hate_speech": (2, 30.0, 48.0),
    }
    assert set(phenomena) == {"ncii", "sextortion", "doxing", "gender_hate_speech"}
    for code, row in phenomena.items():
        ack = row["to_acknowledgement"]
        assert (ack["count"], ack["median_hours"], ack["p90_hours"]) == pytest.approx(
            expected_ack[code]
        ), code
        decision = row["to_decision"]
        got = (decision["count"], decision["median_hours"], decision["p90_hours"])
        assert got == pytest.approx(expected_decision.get(code, (0, None, None))), code


def test_timing_agrees_with_the_quality_page(world, figures):
    """The same hours as ``notices/sla.py`` computes for the quality page."""
    import datetime as dt

    quality = {
        q.platform.name: q
        for q in sla.quality_by_platform(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    }
    for row in figures["timing"]["by_platform"]:
        q = quality[row["platform"]]
        assert row["to_acknowledgement"]["median_hours"] == pytest.approx(
            q.to_acknowledgement.median
        )
        assert row["to_acknowledgement"]["p90_hours"] == pytest.approx(q.to_acknowledgement.p90)
        assert row["to_decision"]["median_hours"] == pytest.approx(q.to_decision.median)
        assert row["to_decision"]["p90_hours"] == pytest.approx(q.to_decision.p90)
    for row in figures["notices"]:
        q = quality[row["platform"]]
        assert (row["notices_sent"], row["decided"]) == (q.sent, q.decided)


def test_code_of_conduct(figures):
    rows = by(figures["code_of_conduct"])
    # Hate speech notices: N2 (Alpha, I4) and N3 (Beta, I5; I2 is doxing and not counted
    # among the items).
    alpha, beta = rows["Alpha"], rows["Beta"]
    assert (alpha["notices_sent"], alpha["reviewed_within_24h"], alpha["answered"]) == (1, 1, 1)
    assert (alpha["items"], alpha["items_removed"], alpha["removal_rate"]) == (1, 1, 1.0)
    assert alpha["reviewed_within_24h_share"] == 1.0 and alpha["answered_share"] == 1.0
    assert (beta["notices_sent"], beta["reviewed_within_24h"], beta["answered"]) == (1, 1, 1)
    assert (beta["items"], beta["items_removed"], beta["removal_rate"]) == (1, 0, 0.0)


def test_quality(figures):
    rows = by(figures["quality"])
    alpha, beta = rows["Alpha"], rows["Beta"]
    # Alpha: notices N1, N2; re-notice N5; reminder N6; complaint N7. N2's refusal was
    # corrected: no refused notice. Past the SLA today: the reminder N6 (24 h), item I7.
    assert {k: alpha[k] for k in ("notices", "renotices", "reminders", "complaints")} == {
        "notices": 2,
        "renotices": 1,
        "reminders": 1,
        "complaints": 1,
    }
    assert (alpha["refused_notices"], alpha["refused_share"]) == (0, 0.0)
    assert (alpha["overdue_notices"], alpha["overdue_items"]) == (1, 1)
    # Beta: N3 (I5 no action: refused) and N4. Both wait past 48 h: N3 with I2 undecided,
    # N4 with I6.
    assert (beta["notices"], beta["renotices"], beta["reminders"], beta["complaints"]) == (
        2,
        0,
        0,
        0,
    )
    assert (beta["refused_notices"], beta["refused_share"]) == (1, 0.5)
    assert (beta["overdue_notices"], beta["overdue_items"]) == (2, 2)


def test_phenomenon_and_platform_filters(world, api):
    alpha = str(world.platforms["Alpha"].id)
    got = (
        api("coordinator")
        .get("/stats/dashboard", **PERIOD, phenomenon="sextortion", platform=alpha)
        .json()
    )
    v = got["volumes"]
    # Sextortion on Alpha: reports B, F (H's item was on Beta); items I3, I8.
    assert (v["reports"], v["items"], v["reports_year_earlier"], v["items_year_earlier"]) == (
        2,
        2,
        0,
        0,
    )
    [notices] = got["notices"]
    # N1 (about I3) and N5 (I8); the first decision of N1 came after 10 h, N5's after 25 h.
    assert (notices["notices_sent"], notices["reviewed_within_24h"]) == (2, 1)
    assert notices["actions"] == {"removed": 1, "restricted": 1}  # I8, I3
    [timing] = got["timing"]["by_platform"]
    assert timing["to_decision"] == pytest.approx(
        {"count": 2, "median_hours": 24.5, "p90_hours": 25.0}
    )
    assert got["victims"]["victims"] == 2  # B, F
    assert got["code_of_conduct"] == []

    beta = str(world.platforms["Beta"].id)
    got = api("coordinator").get("/stats/dashboard", **PERIOD, platform=beta).json()
    v = got["volumes"]
    # Reports with an item on Beta: A's (I2), C's second (I5; its first names only I4, on
    # Alpha), D's (I6).
    assert (v["reports"], v["items"], v["reports_year_earlier"], v["items_year_earlier"]) == (
        3,
        3,
        1,
        1,
    )
