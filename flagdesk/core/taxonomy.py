"""The legal enums of taxonomy.json, read once, exposed as typed lookups.

``taxonomy.json`` started as a copy of the specification's file and carries, besides the exact
TDB keys it validates against (legal.md g.22), the registry of legal bases: each one versioned
(``valid_from``/``valid_to``, the date of the facts picks the text in force), labelled and
explained in the four languages, with the official sources it was checked against. A basis
nobody could verify keeps ``verify: true`` and cannot go out until a coordinator confirms it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import get_language, gettext_lazy

_PATH = Path(__file__).with_name("taxonomy.json")
LANGUAGES = ("en", "fr", "nl", "de")
# TDB keywords that describe abuse of a child: meaningless unless a minor is involved.
MINOR_KEYWORDS = frozenset(
    {
        "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
        "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
        "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
        "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS",
    }
)


def _lang(language: str | None) -> str:
    lang = (language or get_language() or "en")[:2]
    return lang if lang in LANGUAGES else "en"


def _pick(values: dict[str, str], language: str | None) -> str:
    return values.get(_lang(language)) or values.get("en", "")


# The registry's article fields that hold words, not only numbers, in each language.
ARTICLE_WORDS = {
    "Book II (number to be confirmed)": gettext_lazy("Book II (number to be confirmed)"),
    "Book II, Title VIII, Chapter I/1 (number to be confirmed)": gettext_lazy(
        "Book II, Title VIII, Chapter I/1 (number to be confirmed)"
    ),
    "2 (offence defined) and 3 (penalty)": gettext_lazy("arts 2 (offence defined) and 3 (penalty)"),
    "5(1)(a) and 6": gettext_lazy("arts 5(1)(a) and 6"),
}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Source:
    """Where a legal basis was checked: an official or authoritative text."""

    title: str
    url: str
    consulted_on: str = ""


@dataclass(frozen=True)
class LegalBasis:
    """One citable provision, as it stood between ``valid_from`` and ``valid_to``."""

    code: str
    jurisdiction: str  # "BE" or "EU"
    kind: str  # "statute", "directive" or "regulation"
    instrument: dict[str, str]
    article: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    # The end date is not confirmed (the new Criminal Code's entry into force): after it, the
    # provision may still apply, and a notice may cite it only once a coordinator confirmed it.
    valid_to_provisional: bool
    predecessor: str | None
    successor: str | None
    labels: dict[str, str]
    elements: dict[str, tuple[str, ...]]
    verify: bool
    verify_note: str
    sources: tuple[Source, ...]

    @property
    def label_en(self) -> str:
        return self.labels.get("en", "")

    def label(self, language: str | None = None) -> str:
        return _pick(self.labels, language)

    def citation(self, language: str | None = None) -> str:
        """Instrument and article as a lawyer cites them, in ``language`` (else the active
        one): "Code pénal (1867), art. 417/9"."""
        lang = _lang(language)
        instrument = self.instrument.get(lang) or self.instrument.get("en", "")
        article = self.article.strip()
        if article in ARTICLE_WORDS:
            with translation.override(lang):
                article = str(ARTICLE_WORDS[article])
        elif article[:1].isdigit():
            article = f"art. {article}"
        return ", ".join(part for part in (instrument, article) if part)

    def offence_elements(self, language: str | None = None) -> tuple[str, ...]:
        return self.elements.get(_lang(language)) or self.elements.get("en", ())

    @property
    def is_context_only(self) -> bool:
        """A directive binds the Member State, not the uploader: it explains the national
        offence but is never on its own the law the content breaks."""
        return self.kind == "directive"

    def is_in_force(self, on: dt.date) -> bool:
        if self.valid_from and on < self.valid_from:
            return False
        return self.valid_to is None or on <= self.valid_to

    def may_apply(self, on: dt.date) -> bool:
        """In force on ``on``, or possibly so: after an end date that is not confirmed."""
        if self.is_in_force(on):
            return True
        return bool(self.valid_to_provisional and self.valid_to and on > self.valid_to)


@dataclass(frozen=True)
class TdbSwitch:
    """A TDB category and keywords used instead of the phenomenon's defaults in a situation
    (the target is a woman, the victim or recipient is a minor)."""

    category: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Phenomenon:
    code: str
    domain: str
    labels: dict[str, str]
    tdb_category: str | None
    tdb_keywords: tuple[str, ...]
    tdb_category_addition: tuple[str, ...]
    tdb_if_target_women: TdbSwitch | None
    tdb_if_victim_minor: TdbSwitch | None
    tdb_if_minor_recipient: TdbSwitch | None
    if_minor_depicted: str | None
    default_content_types: tuple[str, ...]
    legal_bases: tuple[LegalBasis, ...]
    csam_anonymity_exception: bool
    csam_anonymity_exception_if_victim_minor: bool
    store_media: bool
    requires_manual_category: bool

    def label(self, language: str | None = None) -> str:
        return _pick(self.labels, language)

    @property
    def is_minors_only(self) -> bool:
        """Child-protection phenomena exist only where a minor is depicted or targeted."""
        return self.domain == "child_protection"

    @property
    def is_adults_only(self) -> bool:
        """NCII and deepfake TDB keywords exclude content depicting minors: such content is
        reclassified (``if_minor_depicted``), never notified under these keys."""
        return self.if_minor_depicted is not None

    def minor_switch(self) -> TdbSwitch | None:
        return self.tdb_if_victim_minor or self.tdb_if_minor_recipient

    def allowed_categories(self) -> set[str]:
        """Every TDB category a coherent assessment of this phenomenon may use; ``None`` for
        a phenomenon whose category is chosen by hand (``other``)."""
        found = {self.tdb_category} if self.tdb_category else set()
        found.update(self.tdb_category_addition)
        for switch in (self.tdb_if_target_women, self.tdb_if_victim_minor):
            if switch:
                found.add(switch.category)
        if self.tdb_if_minor_recipient:
            found.add(self.tdb_if_minor_recipient.category)
        return found

    def keywords_allowed(self, category: str) -> set[str]:
        """Keywords of the category's group, of the phenomenon's additional categories (the
        TDB's ``category_addition``: doxing is cyber violence and a data protection
        violation), and the keywords the taxonomy itself pairs with the phenomenon in that
        category (incitement on the ground of gender is cyber violence and hate speech)."""
        if not category:
            return set()
        allowed = keywords_of(category)
        for addition in self.tdb_category_addition:
            allowed |= keywords_of(addition)
        if category == self.tdb_category:
            allowed |= set(self.tdb_keywords)
        return allowed

    def classification(self, *, minor_depicted: bool, category: str) -> tuple[str, list[str]]:
        """The TDB category and keywords this phenomenon implies, switched to the
        minor-specific keys when a minor is depicted or targeted (``tdb_if_victim_minor``);
        with ``category`` chosen, the keywords of the phenomenon that fit it."""
        switch = self.minor_switch() if minor_depicted else None
        if not category:
            if switch:
                return switch.category, list(switch.keywords)
            return self.tdb_category or "", list(self.tdb_keywords)
        for candidate in (switch, self.tdb_if_target_women):
            if candidate and candidate.category == category:
                return category, list(candidate.keywords)
        allowed = self.keywords_allowed(category)
        return category, [k for k in self.tdb_keywords if k in allowed]

    def bases_in_force(self, on: dt.date) -> list[LegalBasis]:
        return [b for b in self.legal_bases if b.is_in_force(on)]

    def bases_applicable(self, on: dt.date) -> list[LegalBasis]:
        """In force, or possibly so (see ``LegalBasis.may_apply``)."""
        return [b for b in self.legal_bases if b.may_apply(on)]


def _switch(value: dict[str, Any] | None) -> TdbSwitch | None:
    if not value:
        return None
    return TdbSwitch(value["category"], tuple(value.get("keywords", ())))


@cache
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_PATH.read_text(encoding="utf-8"))
    return data


def _basis(b: dict[str, Any]) -> LegalBasis:
    return LegalBasis(
        code=b["code"],
        jurisdiction=b["jurisdiction"],
        kind=b["kind"],
        instrument={k: v for k, v in b.get("instrument", {}).items() if v},
        article=b.get("article", ""),
        valid_from=_date(b.get("valid_from")),
        valid_to=_date(b.get("valid_to")),
        valid_to_provisional=bool(b.get("valid_to_provisional")),
        predecessor=b.get("predecessor"),
        successor=b.get("successor"),
        labels={k: v for k, v in b["labels"].items() if v},
        elements={k: tuple(v) for k, v in b.get("elements", {}).items() if v},
        verify=bool(b.get("verify")),
        verify_note=b.get("verify_note", ""),
        sources=tuple(Source(**s) for s in b.get("sources", ())),
    )


@cache
def legal_bases() -> dict[str, LegalBasis]:
    """The registry: every citable legal basis by code, whichever phenomena use it."""
    return {b["code"]: _basis(b) for b in raw()["legal_bases"]}


@cache
def phenomena() -> dict[str, Phenomenon]:
    registry = legal_bases()
    result = {}
    for p in raw()["phenomena"]:
        result[p["code"]] = Phenomenon(
            code=p["code"],
            domain=p["domain"],
            labels={lang: p[f"label_{lang}"] for lang in LANGUAGES},
            tdb_category=p.get("tdb_category"),
            tdb_keywords=tuple(p.get("tdb_keywords", ())),
            tdb_category_addition=tuple(p.get("tdb_category_addition", ())),
            tdb_if_target_women=_switch(p.get("tdb_if_target_women")),
            tdb_if_victim_minor=_switch(p.get("tdb_if_victim_minor")),
            tdb_if_minor_recipient=_switch(p.get("tdb_if_minor_recipient")),
            if_minor_depicted=p.get("if_minor_depicted"),
            default_content_types=tuple(p.get("default_content_types", ())),
            legal_bases=tuple(registry[code] for code in p.get("legal_bases", ())),
            csam_anonymity_exception=bool(p.get("csam_anonymity_exception")),
            csam_anonymity_exception_if_victim_minor=bool(
                p.get("csam_anonymity_exception_if_victim_minor")
            ),
            store_media=bool(p.get("store_media", True)),
            requires_manual_category=bool(p.get("requires_manual_category")),
        )
    return result


def basis_in_force(code: str, on: dt.date) -> LegalBasis | None:
    """The version of ``code`` in force on ``on``, following the successor and predecessor
    links (the 1867 Criminal Code's 417/9 to the new code's article); None if there is none."""
    registry = legal_bases()
    basis = registry.get(code)
    seen: set[str] = set()
    while basis is not None and basis.code not in seen and not basis.is_in_force(on):
        seen.add(basis.code)
        if basis.valid_to and on > basis.valid_to:
            basis = registry.get(basis.successor or "")
        else:
            basis = registry.get(basis.predecessor or "")
    return basis if basis is not None and basis.is_in_force(on) else None


def phenomenon_choices(language: str | None = None) -> list[tuple[str, str]]:
    return [(code, p.label(language)) for code, p in phenomena().items()]


def tdb_categories() -> list[str]:
    return list(raw()["tdb_categories"])


def tdb_keywords() -> list[str]:
    return list(raw()["tdb_keywords"])


def keyword_groups() -> dict[str, list[str]]:
    """TDB keywords per category, as the TDB documentation groups them."""
    return {k: list(v) for k, v in raw()["tdb_keyword_groups"].items()}


def keywords_of(category: str) -> set[str]:
    """Keywords a statement in ``category`` may carry: its group, plus the keywords the TDB
    lists under no category (``KEYWORD_OTHER``, ``KEYWORD_STALKING``)."""
    return set(raw()["tdb_keyword_groups"].get(category, ())) | set(
        raw()["tdb_keywords_without_group"]
    )


def adult_only_keywords() -> frozenset[str]:
    """Keywords whose exact TDB label excludes content depicting minors (NCII, deepfakes)."""
    marker = "excluding content depicting minors"
    return frozenset(k for k in tdb_keywords() if marker in label(k))


def label(key: str) -> str:
    """The exact TDB label for a category, keyword or content-type key."""
    return str(raw()["labels"].get(key, key))


def content_type_aliases() -> dict[str, str]:
    """Short API names (``image``) to TDB keys (``CONTENT_TYPE_IMAGE``)."""
    return dict(raw()["content_type_aliases"])


def provider_actions() -> list[str]:
    return list(raw()["provider_actions"])
