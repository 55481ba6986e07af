"""The seed registry of platforms (``platforms/data/registry.json``): its shape, and that it
holds no notice channel. No database: the file is read as JSON."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import idna
import pytest
import tldextract

REGISTRY = Path(__file__).resolve().parents[1] / "data" / "registry.json"

CATEGORIES = {
    "social_network",
    "messaging",
    "video",
    "adult",
    "file_host",
    "image_host",
    "search_engine",
    "forum",
    "dating",
    "marketplace",
}
# Each family must be present; a tuple is satisfied by any one of its categories.
REQUIRED_FAMILIES = (
    ("social_network",),
    ("messaging",),
    ("video",),
    ("adult",),
    ("file_host", "image_host"),
    ("search_engine",),
)
LANGUAGES = {"en", "fr", "nl", "de"}
# Short-link and media CDN hosts that reports point at as often as the main domains.
KNOWN_HOSTS = {"t.co", "fb.me", "youtu.be", "redd.it", "fbcdn.net", "twimg.com"}

TOP_KEYS = {"version": int, "note": str, "platforms": list}
PLATFORM_KEYS = {
    "name": str,
    "slug": str,
    "category": str,
    "legal_entity": str,
    "member_state": str,
    "vlop": bool,
    "vlose": bool,
    "tdb_name": str,
    "domains": list,
    "languages": list,
    "accepts_hash_matching": bool,
    "sources": list,
}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MEMBER_STATE = re.compile(r"^[A-Z]{2}$")
# Tell-tales of a notice channel (address, form or API endpoint), allowed only in sources.
CHANNEL_MARKS = ("/notice", "api.", "://")


@pytest.fixture(scope="module")
def registry() -> dict[str, Any]:
    with REGISTRY.open(encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def platforms(registry: dict[str, Any]) -> list[dict[str, Any]]:
    return registry["platforms"]


def _strings(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Every string in ``value`` with the keys leading to it."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _strings(v, (*path, k))]
    if isinstance(value, list):
        return [item for v in value for item in _strings(v, path)]
    return []


def test_the_file_is_utf8_json_indented_by_two_spaces(registry: dict[str, Any]) -> None:
    text = REGISTRY.read_text(encoding="utf-8")
    assert text == json.dumps(registry, ensure_ascii=False, indent=2) + "\n"


def test_the_top_level_has_exactly_the_expected_keys(registry: dict[str, Any]) -> None:
    assert set(registry) == set(TOP_KEYS)
    for key, kind in TOP_KEYS.items():
        assert isinstance(registry[key], kind), key
    assert registry["version"] == 1
    assert registry["note"].strip()


def test_every_platform_has_exactly_the_expected_keys_and_types(
    platforms: list[dict[str, Any]],
) -> None:
    for platform in platforms:
        assert isinstance(platform, dict)
        assert set(platform) == set(PLATFORM_KEYS), platform.get("name")
        for key, kind in PLATFORM_KEYS.items():
            assert isinstance(platform[key], kind), (platform["name"], key)
        for key in ("domains", "languages", "sources"):
            assert all(isinstance(item, str) for item in platform[key]), (platform["name"], key)
        assert platform["name"].strip() == platform["name"] != ""
        assert platform["domains"], platform["name"]


def test_there_are_enough_platforms_sorted_by_name(platforms: list[dict[str, Any]]) -> None:
    assert len(platforms) >= 25
    names = [p["name"] for p in platforms]
    assert names == sorted(names, key=str.casefold)


def test_names_and_slugs_are_unique(platforms: list[dict[str, Any]]) -> None:
    for key in ("name", "slug"):
        repeated = [v for v, n in Counter(p[key].casefold() for p in platforms).items() if n > 1]
        assert not repeated, (key, repeated)


def test_slugs_are_lower_case_ascii_with_hyphens(platforms: list[dict[str, Any]]) -> None:
    for platform in platforms:
        assert SLUG.match(platform["slug"]), platform["slug"]


def test_categories_come_from_the_list_and_cover_every_family(
    platforms: list[dict[str, Any]],
) -> None:
    used = {p["category"] for p in platforms}
    assert used <= CATEGORIES, used - CATEGORIES
    for family in REQUIRED_FAMILIES:
        assert used & set(family), family


def test_no_domain_belongs_to_two_platforms(platforms: list[dict[str, Any]]) -> None:
    owners = Counter(d for p in platforms for d in set(p["domains"]))
    assert not [d for d, n in owners.items() if n > 1]
    for platform in platforms:
        assert len(platform["domains"]) == len(set(platform["domains"])), platform["name"]


def test_domains_are_bare_lower_case_hostnames(platforms: list[dict[str, Any]]) -> None:
    # The bundled Public Suffix List only, as services.domains._extractor: no network.
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    for platform in platforms:
        for domain in platform["domains"]:
            assert domain == domain.strip().lower(), domain
            assert "." in domain, domain
            assert not any(c in domain for c in "/*:@ "), domain
            assert not domain.startswith(".") and not domain.endswith("."), domain
            assert idna.encode(domain, uts46=True).decode("ascii") == domain
            parts = extract(domain)
            assert parts.domain and parts.suffix, f"{domain} is a public suffix"


def test_known_short_link_and_cdn_hosts_are_registered(platforms: list[dict[str, Any]]) -> None:
    registered = {d for p in platforms for d in p["domains"]}
    assert KNOWN_HOSTS <= registered, KNOWN_HOSTS - registered


def test_member_state_is_blank_or_a_country_code(platforms: list[dict[str, Any]]) -> None:
    for platform in platforms:
        state = platform["member_state"]
        assert state == "" or MEMBER_STATE.match(state), (platform["name"], state)


def test_languages_are_ours_and_include_english(platforms: list[dict[str, Any]]) -> None:
    for platform in platforms:
        languages = platform["languages"]
        assert "en" in languages, platform["name"]
        assert set(languages) <= LANGUAGES, platform["name"]
        assert len(languages) == len(set(languages)), platform["name"]


def test_a_search_engine_is_the_only_kind_designated_vlose(
    platforms: list[dict[str, Any]],
) -> None:
    for platform in platforms:
        assert not (platform["vlop"] and platform["vlose"]), platform["name"]
        if platform["vlose"]:
            assert platform["category"] == "search_engine", platform["name"]


def test_sources_are_web_addresses(platforms: list[dict[str, Any]]) -> None:
    for platform in platforms:
        for source in platform["sources"]:
            assert source.startswith(("https://", "http://")), (platform["name"], source)
            assert " " not in source, source


def test_no_string_holds_an_address(registry: dict[str, Any]) -> None:
    with_at = [(path, s) for path, s in _strings(registry) if "@" in s]
    assert not with_at


def test_no_notice_channel_outside_sources(registry: dict[str, Any]) -> None:
    found = [
        (path, s)
        for path, s in _strings(registry)
        if "sources" not in path and any(mark in s.lower() for mark in CHANNEL_MARKS)
    ]
    assert not found
