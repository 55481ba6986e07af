"""The registry of legal bases in taxonomy.json: complete, sourced, versioned without gaps.

Plain unit tests on the raw JSON and on the loader; no database. The dates are the two the
application must always be able to qualify: facts of 1 June 2025 (1867 Criminal Code) and of
7 December 2026 (after the switch to the 2024 Criminal Code).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from flagdesk.core import taxonomy

LANGS = ("en", "fr", "nl", "de")
KEYS = {
    "code",
    "jurisdiction",
    "kind",
    "instrument",
    "article",
    "valid_from",
    "valid_to",
    "predecessor",
    "successor",
    "labels",
    "elements",
    "verify",
    "verify_note",
    "sources",
}
CHECK_DATES = (dt.date(2025, 6, 1), dt.date(2026, 12, 7))


def _raw_bases() -> list[dict[str, Any]]:
    return list(taxonomy.raw()["legal_bases"])


def _registry() -> dict[str, dict[str, Any]]:
    return {b["code"]: b for b in _raw_bases()}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


BASE_IDS = [b["code"] for b in _raw_bases()]


def test_codes_are_unique() -> None:
    assert len(BASE_IDS) == len(set(BASE_IDS))


@pytest.mark.parametrize("phenomenon", list(taxonomy.raw()["phenomena"]), ids=lambda p: p["code"])
def test_every_phenomenon_basis_exists_in_the_registry(phenomenon: dict[str, Any]) -> None:
    missing = [c for c in phenomenon.get("legal_bases", []) if c not in _registry()]
    assert not missing


@pytest.mark.parametrize("basis", _raw_bases(), ids=BASE_IDS)
def test_basis_has_exactly_the_schema_keys(basis: dict[str, Any]) -> None:
    assert set(basis) - {"valid_to_provisional"} == KEYS
    if basis.get("valid_to_provisional"):  # only an end date that a successor takes over
        assert basis["valid_to"] and basis["successor"]
    assert basis["jurisdiction"] in {"BE", "EU"}
    assert basis["kind"] in {"statute", "directive", "regulation"}


@pytest.mark.parametrize("basis", _raw_bases(), ids=BASE_IDS)
def test_basis_is_described_in_four_languages(basis: dict[str, Any]) -> None:
    for lang in LANGS:
        assert basis["instrument"].get(lang, "").strip(), f"instrument.{lang}"
        assert basis["labels"].get(lang, "").strip(), f"labels.{lang}"
        elements = basis["elements"].get(lang, [])
        assert 2 <= len(elements) <= 5, f"elements.{lang}"
        assert all(isinstance(e, str) and e.strip() for e in elements)
    counts = {len(basis["elements"][lang]) for lang in LANGS}
    assert len(counts) == 1, "the four languages list the same number of elements"


@pytest.mark.parametrize("basis", _raw_bases(), ids=BASE_IDS)
def test_basis_has_article_and_coherent_validity(basis: dict[str, Any]) -> None:
    assert basis["article"].strip()
    start = _date(basis["valid_from"])
    end = _date(basis["valid_to"])
    assert start is not None, "valid_from"
    assert end is None or end >= start


@pytest.mark.parametrize("basis", _raw_bases(), ids=BASE_IDS)
def test_basis_is_sourced_unless_flagged(basis: dict[str, Any]) -> None:
    for source in basis["sources"]:
        assert source["title"].strip()
        assert source["url"].startswith(("https://", "http://"))
        dt.date.fromisoformat(source["consulted_on"])
    if basis["verify"]:
        assert basis["verify_note"].strip(), "a basis to confirm says what is unconfirmed"
    else:
        assert basis["sources"], "a confirmed basis cites its sources"
        assert any(s["url"].startswith("https://") for s in basis["sources"])


@pytest.mark.parametrize("basis", _raw_bases(), ids=BASE_IDS)
def test_version_links_are_symmetric_and_dates_chain(basis: dict[str, Any]) -> None:
    registry = _registry()
    one_day = dt.timedelta(days=1)
    if basis["successor"]:
        successor = registry[basis["successor"]]
        assert successor["predecessor"] == basis["code"]
        end = _date(basis["valid_to"])
        assert end is not None, "a basis with a successor has an end date"
        assert _date(successor["valid_from"]) == end + one_day
    if basis["predecessor"]:
        predecessor = registry[basis["predecessor"]]
        assert predecessor["successor"] == basis["code"]
        end = _date(predecessor["valid_to"])
        assert end is not None
        assert _date(basis["valid_from"]) == end + one_day


@pytest.mark.parametrize(
    "phenomenon",
    [p for p in taxonomy.phenomena().values() if p.code != "other"],
    ids=lambda p: p.code,
)
@pytest.mark.parametrize("on", CHECK_DATES, ids=str)
def test_phenomenon_has_a_national_basis_in_force(
    phenomenon: taxonomy.Phenomenon, on: dt.date
) -> None:
    national = [b for b in phenomenon.bases_in_force(on) if not b.is_context_only]
    assert national, f"{phenomenon.code} has no non-directive basis in force on {on}"


def test_other_has_no_basis() -> None:
    assert taxonomy.phenomena()["other"].legal_bases == ()


def test_directives_are_context_only_and_regulations_are_not() -> None:
    for basis in taxonomy.legal_bases().values():
        assert basis.is_context_only == (basis.kind == "directive")


def test_harassment_label_states_the_legal_test_not_repetition() -> None:
    basis = taxonomy.legal_bases()["BE-CC-442bis"]
    for lang in LANGS:
        text = basis.label(lang).lower()
        for word in ("repeated", "repeatedly", "répét", "herhaald", "wiederholt"):
            assert word not in text, f"{lang}: {word}"
    assert "should have known" in basis.label("en")
    assert "peace" in basis.label("en")


def test_directive_2024_1385_article_5_is_split() -> None:
    registry = taxonomy.legal_bases()
    assert "EU-DIR-2024/1385-ART5" not in registry
    phenomena = taxonomy.phenomena()
    assert "EU-DIR-2024/1385-ART5-1-A" in {b.code for b in phenomena["ncii"].legal_bases}
    assert "EU-DIR-2024/1385-ART5-1-B" in {b.code for b in phenomena["sexual_deepfake"].legal_bases}
    assert "EU-DIR-2024/1385-ART5-1-C" in {b.code for b in phenomena["sextortion"].legal_bases}


def test_directive_2011_93_article_6_is_limited_to_the_age_of_sexual_consent() -> None:
    label = taxonomy.legal_bases()["EU-DIR-2011/93-ART6"].label("en")
    assert "age of sexual consent" in label


def test_luring_and_hate_motive_are_attached() -> None:
    phenomena = taxonomy.phenomena()
    assert "BE-CC-433bis/1" in {b.code for b in phenomena["grooming"].legal_bases}
    assert "BE-CC-442ter" in {b.code for b in phenomena["cyber_harassment"].legal_bases}


def test_the_registry_loads_through_the_public_api() -> None:
    registry = taxonomy.legal_bases()
    assert set(registry) == set(BASE_IDS)
    basis = registry["BE-CC-417/9"]
    assert basis.is_in_force(dt.date(2025, 6, 1))
    assert basis.sources and basis.sources[0].url.startswith("https://")
    assert basis.offence_elements("nl")
