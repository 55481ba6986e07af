"""Rendering a notice's subject, body and JSON payload once, when it is queued (legal.md g.9).

The text is rendered in the platform's language, not the clerk's (S15), and carries every
art. 16(2) element of the legal.md table. What is rendered here is frozen: retries, the staff
page and the API all show these exact strings, never a re-rendering.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.cases.models import Assessment, Item
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict
from flagdesk.matching.queries import item_signals
from flagdesk.matching.signal_types import SIGNAL_TYPES
from flagdesk.organisation.models import Organisation
from flagdesk.platforms.models import Platform

PAYLOAD_SCHEMA = "flagdesk.notice/1"

# 16(2)(d): the words a good-faith statement must contain, per language (legal.md a.).
# A language whose catalogue is not translated yet falls back to the English wording.
GOOD_FAITH_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("bona fide belief", "accurate", "complete"),
    "fr": ("conviction de bonne foi", "exactes", "complètes"),
    "nl": ("oprechte overtuiging", "juist", "volledig"),
    "de": ("Überzeugung in gutem Glauben", "richtig", "vollständig"),
}

# Art. 16(2)(b): the identifiers an analyst may record per item, in the order the text shows.
IDENTIFIER_LABELS = (
    ("post_id", gettext_lazy("Post or message ID")),
    ("account", gettext_lazy("Account")),
    ("posted_at", gettext_lazy("Posted at (UTC)")),
    ("captured_at", gettext_lazy("Captured at (UTC)")),
)
TIMESTAMP_IDENTIFIERS = ("posted_at", "captured_at")
# The hashes a notice offers for hash matching, in this order (see ``_hashes`` for vPDQ).
NOTICE_HASH_TYPES = ("pdq", "md5", "sha256")


class NoticeTemplateError(Conflict):
    code = "notice_template"


@dataclass(frozen=True)
class NoticeDraft:
    """Everything that defines one notice before it is rendered."""

    reference: str
    platform: Platform
    organisation: Organisation
    items: Sequence[tuple[Item, Assessment]]
    is_trusted_flagger: bool
    # The snapshot the notice freezes (``organisation.queries.designation_snapshot``).
    designations: Sequence[dict[str, Any]]
    is_anonymous: bool
    issued_at: dt.datetime
    # The channel's language when its coordinator set one, else the platform's.
    language: str = ""


@dataclass(frozen=True)
class RenderedNotice:
    language: str
    subject: str
    body: str
    payload: dict[str, Any]


def _keyed(key: str) -> dict[str, str]:
    """A TDB key with its exact label: the text shows the label, the JSON part both. The TDB
    has English labels only, so they stay English in a notice in another language."""
    return {"key": key, "label": taxonomy.label(key) if key else ""}


def _legal_basis(code: str, language: str) -> dict[str, str]:
    """A basis as a lawyer cites it, in the notice's language: instrument and article
    ("Code pénal (1867), art. 417/9") and the offence's label. Languages not filled in yet fall
    back to English (taxonomy.py); flagdesk's own code stays for the JSON part only."""
    basis = taxonomy.legal_bases().get(code)
    if basis is None:
        return {"code": code, "citation": "", "label": code}
    return {"code": code, "citation": basis.citation(language), "label": basis.label(language)}


def _utc(value: str) -> tuple[str, str]:
    """An ISO timestamp as (text, JSON) in UTC; a naive one is taken as UTC already. What does
    not parse goes out as typed: the platform may still recognise it."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value, value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S"), moment.isoformat()


def _identifiers(item: Item) -> tuple[dict[str, str], list[dict[str, str]]]:
    """16(2)(b) "additional information": the JSON values and the text lines, in a fixed
    order, only those the analyst recorded."""
    raw = item.identifiers if isinstance(item.identifiers, dict) else {}
    found: dict[str, str] = {}
    lines = []
    for key, label in IDENTIFIER_LABELS:
        value = str(raw.get(key) or "").strip()
        if not value:
            continue
        text, data = _utc(value) if key in TIMESTAMP_IDENTIFIERS else (value, value)
        found[key] = data
        lines.append({"label": str(label), "value": text})
    return found, lines


def _hashes(item: Item, platform: Platform) -> list[dict[str, str]]:
    """The item's known hashes, for a platform that matches by hash; never the media. A vPDQ
    is left out: its frame list runs to thousands of lines, and the video's MD5 and SHA-256,
    computed from the same file, already travel with it."""
    if not platform.accepts_hash_matching:
        return []
    seen: dict[tuple[str, str], None] = {}
    for signal in item_signals(item):
        if signal.signal_type in NOTICE_HASH_TYPES:
            seen.setdefault((signal.signal_type, signal.value.strip().lower()), None)
    return [
        {"algorithm": algorithm, "value": value}
        for algorithm, value in sorted(seen, key=lambda h: NOTICE_HASH_TYPES.index(h[0]))
    ]


def _item_context(
    item: Item, assessment: Assessment, platform: Platform, language: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The item as the JSON part carries it, and the extra lines only the text needs."""
    phenomenon = taxonomy.phenomena().get(assessment.phenomenon)
    identifiers, identifier_lines = _identifiers(item)
    hashes = _hashes(item, platform)
    data = {
        "id": str(item.id),
        "url": item.url,
        "identifiers": identifiers,
        "hashes": hashes,
        "phenomenon": {
            "key": assessment.phenomenon,
            "label": phenomenon.label(language) if phenomenon else assessment.phenomenon,
        },
        "content_type": _keyed(assessment.content_type),
        "legal_bases": [_legal_basis(code, language) for code in assessment.legal_bases],
        "reasons": assessment.reasons.strip(),
        "tdb_category": _keyed(assessment.tdb_category),
        "tdb_keywords": [_keyed(k) for k in assessment.keywords],
    }
    text = {
        "identifier_lines": identifier_lines,
        "hash_lines": [
            {"label": SIGNAL_TYPES[h["algorithm"]].label, "value": h["value"]} for h in hashes
        ],
    }
    return data, text


def _designation_context(
    designations: Sequence[dict[str, Any]], language: str, phenomena: set[str]
) -> list[dict[str, Any]]:
    """Each designation of the frozen snapshot with its validity, every area it covers
    (``areas``) and the areas this notice's items fall under (``areas_in_notice``): the text
    names only the latter, since the platform reads which expertise covers these items, not
    the whole designation."""
    known = taxonomy.phenomena()

    def area(code: str) -> dict[str, str]:
        return {"key": code, "label": known[code].label(language) if code in known else code}

    return [
        {
            "authority": d["authority"],
            "designated_on": d["designated_on"],
            "valid_until": d["valid_until"],
            "areas": [area(code) for code in d["areas"]],
            "areas_in_notice": [area(code) for code in d["areas"] if code in phenomena],
        }
        for d in designations
    ]


def _check_good_faith(statement: str, language: str) -> None:
    words = GOOD_FAITH_WORDS.get(language, ())
    if all(w in statement for w in words) or all(w in statement for w in GOOD_FAITH_WORDS["en"]):
        return
    raise NoticeTemplateError(
        _("The notice template lacks the art. 16(2)(d) good-faith statement; nothing was queued.")
    )


def render_notice(draft: NoticeDraft) -> RenderedNotice:
    """Render subject, body and payload in the platform's notice language."""
    language = draft.language or draft.platform.notice_language
    with translation.override(language):
        org = draft.organisation
        notifier = None if draft.is_anonymous else {"name": org.name, "email": org.email}
        good_faith = _(
            "%(notifier)s confirms its bona fide belief that the information and allegations "
            "contained in this notice are accurate and complete."
        ) % {"notifier": org.name if notifier else _("The notifier")}
        _check_good_faith(good_faith, language)
        if draft.is_trusted_flagger:
            subject = _("Trusted flagger notice (art. 22 DSA) %(reference)s")
        else:
            subject = _("Notice of illegal content (art. 16 DSA) %(reference)s")
        subject = subject % {"reference": draft.reference}
        contexts = [_item_context(i, a, draft.platform, language) for i, a in draft.items]
        items = [data for data, _text in contexts]
        phenomena = {a.phenomenon for _item, a in draft.items}
        designations = (
            _designation_context(draft.designations, language, phenomena)
            if draft.is_trusted_flagger
            else []
        )
        issued_at = draft.issued_at.astimezone(dt.UTC).replace(microsecond=0)
        context = {
            "reference": draft.reference,
            "platform": draft.platform,
            "notifier": notifier,
            "items": [{**data, **text} for data, text in contexts],
            "good_faith": good_faith,
            "is_trusted_flagger": draft.is_trusted_flagger,
            "designations": designations,
            "issued_at": issued_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "language": language,
            "reply_to": notifier["email"] if notifier else None,
        }
        body = render_to_string("notices/notice.txt", context)
    payload: dict[str, Any] = {
        "schema": PAYLOAD_SCHEMA,
        "reference": draft.reference,
        "issued_at": issued_at.isoformat(),
        "language": language,
        "platform": {"name": draft.platform.name, "notice_address": draft.platform.notice_address},
        "notifier": notifier,
        "is_anonymous": draft.is_anonymous,
        "trusted_flagger": draft.is_trusted_flagger,
        "trusted_flagger_designations": designations,
        "items": items,
        "good_faith_statement": good_faith,
        "requests": {
            "receipt_confirmation": "art. 16(4) DSA",
            "decision_notification": "art. 16(5) DSA",
            "redress_information": True,
            "automated_means_disclosure": "art. 16(6) DSA",
        },
        "reply_to": notifier["email"] if notifier else None,
    }
    return RenderedNotice(language=language, subject=subject, body=body, payload=payload)
