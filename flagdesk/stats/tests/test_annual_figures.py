"""Every figure of the annual report over a known year (annual_data.py), computed by hand.

The threshold is 0 here (nothing withheld), so each count can be checked; suppression has its
own tests (test_annual_suppression.py).
"""

from __future__ import annotations

import pytest

from flagdesk.organisation.services.designations import current_organisation
from flagdesk.stats.annual.build import build_report

from .annual_data import NOW, build_year, type_row

pytestmark = pytest.mark.django_db

CYBER = "STATEMENT_CATEGORY_CYBER_VIOLENCE"
MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"


def actions(**given: int) -> dict[str, int]:
    return {
        a: given.get(a, 0)
        for a in ("removed", "disabled", "restricted", "refused", "no_action", "pending")
    }


@pytest.fixture
def report(users):
    build_year(users)
    org = current_organisation()
    org.statistics_min_cell = 0
    org.independence_procedures = "Our board has no member working for a platform."
    org.save()
    return build_report(2025, now=NOW, organisation=org)


def test_totals_count_each_art16_notice_of_the_year_once(report):
    # N1, N2, N3, N4: not last year's N5, next year's N6, the unsent N7, the reminder R1 or
    # the re-notice RN1.
    assert report["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    assert report["totals"]["notices"] == 4
    assert report["totals"]["items"] == 7  # 3 + 1 + 2 + 1
    # i2's removal was corrected to a refusal; i3 was geo-blocked (a restriction, never a
    # removal); i4 has no answer.
    assert report["totals"]["actions"] == actions(
        removed=2, disabled=1, restricted=1, refused=1, no_action=1, pending=1
    )
    assert report["totals"]["trusted_flagger"] == {"notices": 2, "items": 4}
    assert report["totals"]["follow_ups"] == {
        "reminder": 1,
        "renotice": 1,
        "complaint": 0,
        "dsc_complaint": 0,
    }


def test_providers_are_named_except_natural_persons(report):
    assert [p["provider"] for p in report["by_provider"]] == ["Alpha", "Beta", "Other providers"]
    alpha, beta, other = report["by_provider"]
    assert (alpha["notices"], alpha["items"]) == (2, 4)
    assert alpha["actions"] == actions(removed=1, refused=1, restricted=1, pending=1)
    assert alpha["trusted_flagger"]["notices"] == 2 and alpha["trusted_flagger"]["items"] == 4
    assert alpha["follow_ups"]["reminder"] == 1 and alpha["follow_ups"]["renotice"] == 0
    assert [t["type"] for t in alpha["by_type"]] == ["ncii", "cyber_harassment"]
    ncii = type_row(alpha, "ncii")
    assert (ncii["notices"], ncii["items"]) == (2, 3)
    assert ncii["actions"] == actions(removed=1, refused=1, pending=1)
    harassment = type_row(alpha, "cyber_harassment")  # i3's latest assessment
    assert (harassment["notices"], harassment["items"]) == (1, 1)
    assert harassment["actions"] == actions(restricted=1)
    assert harassment["tdb_category"] == CYBER

    assert (beta["notices"], beta["items"]) == (1, 2)
    assert beta["actions"] == actions(no_action=1, disabled=1)
    assert beta["trusted_flagger"]["notices"] == 0
    assert beta["follow_ups"]["renotice"] == 1
    assert type_row(beta, "csam")["actions"] == actions(disabled=1)
    assert type_row(beta, "csam")["tdb_category"] == MINORS
    assert type_row(beta, "cyber_harassment")["actions"] == actions(no_action=1)

    assert other["other"] is True
    assert (other["notices"], other["items"]) == (1, 1)
    assert type_row(other, "ncii")["actions"] == actions(removed=1)
    assert "Jo" not in str(report)


def test_types_count_a_notice_under_each_of_its_types(report):
    by_type = {t["type"]: t for t in report["by_type"]}
    assert set(by_type) == {"ncii", "cyber_harassment", "csam"}
    assert (by_type["ncii"]["notices"], by_type["ncii"]["items"]) == (3, 4)  # N1, N2, N4
    assert by_type["ncii"]["actions"] == actions(removed=2, refused=1, pending=1)
    harassment = by_type["cyber_harassment"]
    assert (harassment["notices"], harassment["items"]) == (2, 2)  # N1, N3
    assert harassment["actions"] == actions(restricted=1, no_action=1)
    assert (by_type["csam"]["notices"], by_type["csam"]["items"]) == (1, 1)
    # N1 and N3 have two types each: 6 notices by type, 4 notices in all; items add up.
    assert sum(t["notices"] for t in report["by_type"]) == 6
    assert sum(t["items"] for t in report["by_type"]) == report["totals"]["items"]


def test_tdb_categories(report):
    by_cat = {c["tdb_category"]: c for c in report["by_tdb_category"]}
    assert (by_cat[CYBER]["notices"], by_cat[CYBER]["items"]) == (4, 6)
    assert by_cat[CYBER]["actions"] == actions(
        removed=2, refused=1, restricted=1, no_action=1, pending=1
    )
    assert (by_cat[MINORS]["notices"], by_cat[MINORS]["items"]) == (1, 1)
    assert by_cat[MINORS]["actions"] == actions(disabled=1)


def test_response_times_in_hours(report):
    decision = report["response_times"]["decision"]
    # Current decisions: i1 10, i2 30 (the correction), i3 40, i5 48, i6 6, i7 12 hours.
    # Sorted 6 10 12 30 40 48: median (12 + 30) / 2 = 21; 90th percentile: the 6th value.
    assert decision["overall"] == {"count": 6, "median": 21.0, "p90": 48.0, "suppressed": []}
    assert decision["by_provider"]["Alpha"] == {
        "count": 3,
        "median": 30.0,
        "p90": 40.0,
        "suppressed": [],
    }
    assert decision["by_provider"]["Beta"]["median"] == 27.0  # (6 + 48) / 2
    assert decision["by_provider"]["Beta"]["p90"] == 48.0
    assert decision["by_provider"]["Other providers"]["median"] == 12.0
    assert report["median_hours_to_action"] == {
        "overall": 21.0,
        "by_provider": {"Alpha": 30.0, "Beta": 27.0, "Other providers": 12.0},
    }
    ack = report["response_times"]["acknowledgement"]
    # N1 2 h, N2 4 h, N4 1 h; N3 was never acknowledged.
    assert ack["overall"]["count"] == 3
    assert (ack["overall"]["median"], ack["overall"]["p90"]) == (2.0, 4.0)
    assert (ack["by_provider"]["Alpha"]["median"], ack["by_provider"]["Alpha"]["p90"]) == (3.0, 4.0)
    assert ack["by_provider"]["Beta"]["count"] == 0


def test_the_rest_of_the_document(report):
    assert report["status"] == "draft"
    assert report["organisation"]["name"]
    assert report["independence_procedures"] == "Our board has no member working for a platform."
    assert report["suppression"]["threshold"] == 0
    assert report["suppression"]["suppressed_cells"] == 0
    assert report["suppression"]["merged_providers"] == 1


def test_designations_as_they_were_during_the_year(users):
    import datetime as dt

    from flagdesk.notices.tests.factories import designate
    from flagdesk.organisation.models import Designation, DesignationSuspension

    org = designate(users, ["ncii", "cyber_harassment"], designated_on=dt.date(2025, 7, 3))
    [current] = org.designations.all()
    DesignationSuspension.objects.create(
        designation=current,
        suspended_from=dt.date(2025, 9, 1),
        suspended_until=dt.date(2025, 9, 30),
        note="Investigation after a complaint by a named person.",
    )
    # Ended before the year began: not in the 2025 report.
    Designation.objects.create(
        organisation=org,
        authority="Old authority",
        designated_on=dt.date(2022, 1, 1),
        ended_on=dt.date(2024, 6, 30),
        phenomena=["ncii"],
    )
    report = build_report(2025, now=NOW, organisation=org)
    [designation] = report["organisation"]["designations"]
    assert designation["authority"] == "BIPT"
    assert designation["designated_on"] == "2025-07-03"
    assert designation["phenomena"] == ["cyber_harassment", "ncii"]
    assert designation["suspensions"] == [{"from": "2025-09-01", "until": "2025-09-30"}]
    assert "named person" not in str(report)  # a suspension's note is free text: left out
    assert (
        build_report(2024, now=NOW, organisation=org)["organisation"]["designations"][0][
            "authority"
        ]
        == "Old authority"
    )
