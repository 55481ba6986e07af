"""The published age bands, from the ages they start at (pure functions)."""

# ruff: noqa: RUF001, RUF003 (the bands' labels use an en dash)
from __future__ import annotations

import pytest

from flagdesk.intake.models import Report
from flagdesk.organisation.age_bands import (
    Band,
    band_of,
    band_of_reporter_guess,
    bands,
    check_starts,
    reporter_range,
)

STARTS = [12, 14, 18]


def test_the_default_bands_and_their_labels():
    assert [b.label for b in bands(STARTS)] == ["under 12", "12–13", "14–17", "18 and over"]
    assert bands(STARTS) == [Band(0, 11), Band(12, 13), Band(14, 17), Band(18, None)]


def test_a_band_of_one_year_is_named_by_its_age():
    assert [b.label for b in bands([12, 13])] == ["under 12", "12", "13 and over"]


@pytest.mark.parametrize(
    ("age", "label"),
    [(0, "under 12"), (11, "under 12"), (12, "12–13"), (13, "12–13"), (14, "14–17"),
     (17, "14–17"), (18, "18 and over"), (120, "18 and over")],
)  # fmt: skip
def test_band_of(age, label):
    assert band_of(age, STARTS).label == label


@pytest.mark.parametrize(
    ("code", "starts", "label"),
    [
        ("18-24", STARTS, "18 and over"),
        ("50+", STARTS, "18 and over"),
        ("13-17", STARTS, None),  # spans 12–13 and 14–17
        ("under-13", STARTS, None),  # spans under 12 and 12–13
        ("under-13", [13, 18], "under 13"),
        ("13-17", [13, 18], "13–17"),
        ("25-34", [18, 25, 35], "25–34"),
        ("unknown", STARTS, None),
        ("", STARTS, None),
    ],
)
def test_band_of_reporter_guess(code, starts, label):
    band = band_of_reporter_guess(code, starts)
    assert (band.label if band else None) == label


def test_every_age_band_a_reporter_can_choose_is_read():
    for code in Report.AgeBand.values:
        assert (reporter_range(code) is None) == (code == "unknown"), code


@pytest.mark.parametrize(
    "starts",
    [[], [0, 12], [12, 121], [14, 12], [12, 12], [1, 2, 3, 4, 5, 6, 7, 8, 9], ["12"], [True]],
)
def test_wrong_starts_are_explained(starts):
    assert check_starts(starts)


def test_good_starts_pass():
    assert check_starts([1]) == [] and check_starts([1, 2, 3, 4, 5, 6, 7, 120]) == []
