"""The legal enums of spec/taxonomy.json, read once, exposed as typed lookups.

``taxonomy.json`` is copied from ``shared/spec`` into this package so an installed flagdesk
carries the exact TDB keys it validates against (legal.md g.22).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

_PATH = Path(__file__).with_name("taxonomy.json")


@dataclass(frozen=True)
class LegalBasis:
    code: str
    label_en: str
    verify: bool


@dataclass(frozen=True)
class Phenomenon:
    code: str
    domain: str
    labels: dict[str, str]
    tdb_category: str | None
    tdb_keywords: tuple[str, ...]
    default_content_types: tuple[str, ...]
    legal_bases: tuple[LegalBasis, ...]
    csam_anonymity_exception: bool
    csam_anonymity_exception_if_victim_minor: bool
    store_media: bool

    def label(self, language: str | None = None) -> str:
        lang = (language or get_language() or "en")[:2]
        return self.labels.get(lang) or self.labels["en"]


@cache
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_PATH.read_text(encoding="utf-8"))
    return data


@cache
def phenomena() -> dict[str, Phenomenon]:
    result = {}
    for p in raw()["phenomena"]:
        result[p["code"]] = Phenomenon(
            code=p["code"],
            domain=p["domain"],
            labels={lang: p[f"label_{lang}"] for lang in ("en", "fr", "nl", "de")},
            tdb_category=p.get("tdb_category"),
            tdb_keywords=tuple(p.get("tdb_keywords", ())),
            default_content_types=tuple(p.get("default_content_types", ())),
            legal_bases=tuple(
                LegalBasis(b["code"], b["label_en"], bool(b.get("verify")))
                for b in p.get("legal_bases", ())
            ),
            csam_anonymity_exception=bool(p.get("csam_anonymity_exception")),
            csam_anonymity_exception_if_victim_minor=bool(
                p.get("csam_anonymity_exception_if_victim_minor")
            ),
            store_media=bool(p.get("store_media", True)),
        )
    return result


def phenomenon_choices(language: str | None = None) -> list[tuple[str, str]]:
    return [(code, p.label(language)) for code, p in phenomena().items()]


@cache
def legal_bases() -> dict[str, LegalBasis]:
    """Every legal-basis code of every phenomenon, first label wins."""
    result: dict[str, LegalBasis] = {}
    for p in phenomena().values():
        for b in p.legal_bases:
            result.setdefault(b.code, b)
    return result


def tdb_categories() -> list[str]:
    return list(raw()["tdb_categories"])


def tdb_keywords() -> list[str]:
    return list(raw()["tdb_keywords"])


def label(key: str) -> str:
    """The exact TDB label for a category, keyword or content-type key."""
    return str(raw()["labels"].get(key, key))


def content_type_aliases() -> dict[str, str]:
    """Short API names (``image``) to TDB keys (``CONTENT_TYPE_IMAGE``)."""
    return dict(raw()["content_type_aliases"])


def provider_actions() -> list[str]:
    return list(raw()["provider_actions"])
