"""The coherence of a legal qualification: one list of named checks, used three times.

An analyst's submission is refused on the checks that make an assessment wrong
(``blocks_assessment``); the reviewer sees every check with its outcome; the notice pre-flight
refuses to send on the checks that make a notice unsafe (``blocks_sending``: a basis still "to
be confirmed", a reasons text reused elsewhere only warns). Keeping them in one place means the
form, the API, the review page and the pre-flight can never disagree on what is coherent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.core import taxonomy
from flagdesk.organisation.queries import confirmed_legal_bases

from ..models import Assessment, Item
from .facts import default_facts_on, victim_is_minor

PLACEHOLDER = re.compile(r"\{\{|\}\}|\[\[|\]\]|<[A-Z_]{3,}>|\bTODO\b|\bXXX\b|lorem ipsum", re.I)
MINORS_CATEGORY = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
# Checks only a coordinator can make pass (on the Legal bases page): pages link there.
COORDINATOR_CHECKS = frozenset({"bases_confirmed", "bases_in_force"})
SYNTHETIC = "CONTENT_TYPE_SYNTHETIC_MEDIA"


@dataclass(frozen=True)
class Qualification:
    """What an illegal verdict asserts, before or after it is stored."""

    phenomenon: str
    tdb_category: str
    keywords: Sequence[str]
    legal_bases: Sequence[str]
    reasons: str
    content_types: Sequence[str]
    minor_depicted: bool
    facts_on: dt.date


@dataclass(frozen=True)
class Check:
    """One rule and its outcome on one qualification."""

    code: str
    field: str
    label: str
    passed: bool
    message: str = ""
    blocks_assessment: bool = True
    blocks_sending: bool = True


def _check(code: str, fld: str, label: str, failure: str, **kw: bool) -> Check:
    return Check(code=code, field=fld, label=label, passed=not failure, message=failure, **kw)


def _minor_checks(q: Qualification, pheno: taxonomy.Phenomenon, item: Item) -> list[Check]:
    failure = ""
    if q.minor_depicted and pheno.is_adults_only:
        target = taxonomy.phenomena().get(pheno.if_minor_depicted or "")
        failure = _(
            "A minor is depicted, and “%(phenomenon)s” excludes content depicting minors: "
            "qualify it as “%(target)s”."
        ) % {"phenomenon": pheno.label(), "target": target.label() if target else ""}
    elif not q.minor_depicted and pheno.is_minors_only:
        failure = _(
            "“%(phenomenon)s” needs a minor depicted or targeted: tick “a minor is depicted or "
            "targeted”, or choose another phenomenon."
        ) % {"phenomenon": pheno.label()}
    elif pheno.is_adults_only and victim_is_minor(item):
        target = taxonomy.phenomena().get(pheno.if_minor_depicted or "")
        failure = _(
            "A report gives the victim's age as under 18: if the person shown is a minor, tick "
            "“a minor is depicted or targeted” and qualify it as “%(target)s”, not as "
            "“%(phenomenon)s”."
        ) % {"phenomenon": pheno.label(), "target": target.label() if target else ""}
    return [
        _check(
            "minor_consistency",
            "minor_depicted",
            _("The phenomenon fits whether a minor is depicted or targeted"),
            failure,
        )
    ]


def _basis_checks(q: Qualification, pheno: taxonomy.Phenomenon) -> list[Check]:
    registry = taxonomy.legal_bases()
    known = [registry[c] for c in q.legal_bases if c in registry]
    unknown = [c for c in q.legal_bases if c not in registry]
    checks = [
        _check(
            "bases_known",
            "legal_bases",
            _("At least one legal basis is cited, each one known"),
            _("Cite at least one legal basis.")
            if not q.legal_bases
            else (_("Unknown legal basis: %(codes)s.") % {"codes": ", ".join(unknown)})
            if unknown
            else "",
        )
    ]
    own = {b.code for b in pheno.legal_bases}
    foreign = [b.code for b in known if own and b.code not in own]
    checks.append(
        _check(
            "bases_of_phenomenon",
            "legal_bases",
            _("Every legal basis belongs to the phenomenon"),
            _("These legal bases do not qualify “%(phenomenon)s”: %(codes)s.")
            % {"phenomenon": pheno.label(), "codes": ", ".join(foreign)}
            if foreign
            else "",
        )
    )
    checks.append(_in_force_check(known, q.facts_on))
    national = [b for b in known if not b.is_context_only]
    checks.append(
        _check(
            "national_basis",
            "legal_bases",
            _("A national provision is cited, not only a directive"),
            _(
                "A directive binds Member States, not the person who posted the content: cite "
                "the Belgian provision it is about beside it."
            )
            if known and not national
            else "",
        )
    )
    to_confirm = [b.code for b in known if b.verify]
    unconfirmed = sorted(set(to_confirm) - confirmed_legal_bases()) if to_confirm else []
    checks.append(
        _check(
            "bases_confirmed",
            "legal_bases",
            _("No legal basis is still to be confirmed"),
            _("To be confirmed by a coordinator before a notice may cite it: %(codes)s.")
            % {"codes": ", ".join(unconfirmed)}
            if unconfirmed
            else "",
            blocks_assessment=False,
        )
    )
    return checks


def _in_force_check(known: list[taxonomy.LegalBasis], on: dt.date) -> Check:
    """Bases not in force on the date of the facts refuse the assessment; bases past an end
    date that is not confirmed (the new Criminal Code's entry into force) only block sending,
    until a coordinator confirms they still applied or the analyst cites the successor."""
    label = _("Every legal basis was in force on the date of the facts")
    ended = [b for b in known if not b.may_apply(on)]
    if ended:
        return _check(
            "bases_in_force",
            "legal_bases",
            label,
            _("Not in force on %(date)s, the date of the facts: %(bases)s.")
            % {"date": on.isoformat(), "bases": "; ".join(_validity(b) for b in ended)},
        )
    uncertain = [b for b in known if not b.is_in_force(on)]
    confirmed = confirmed_legal_bases() if uncertain else set()
    unconfirmed = [b for b in uncertain if b.code not in confirmed]
    return _check(
        "bases_in_force",
        "legal_bases",
        label,
        _(
            "%(bases)s: the registry ends it on %(end)s, when the new Criminal Code took "
            "effect, a date that is not confirmed, and the facts are later. Cite its successor, "
            "or have a coordinator confirm that it still applied."
        )
        % {"bases": "; ".join(_validity(b) for b in unconfirmed), "end": unconfirmed[0].valid_to}
        if unconfirmed
        else "",
        blocks_assessment=False,
    )


def _validity(basis: taxonomy.LegalBasis) -> str:
    start = basis.valid_from.isoformat() if basis.valid_from else "…"
    end = basis.valid_to.isoformat() if basis.valid_to else "…"
    if basis.successor:
        return _("%(code)s (in force %(start)s to %(end)s, replaced by %(successor)s)") % {
            "code": basis.code,
            "start": start,
            "end": end,
            "successor": basis.successor,
        }
    return _("%(code)s (in force %(start)s to %(end)s)") % {
        "code": basis.code,
        "start": start,
        "end": end,
    }


def _classification_checks(q: Qualification, pheno: taxonomy.Phenomenon) -> list[Check]:
    checks = []
    allowed = pheno.allowed_categories()
    bad_category = ""
    if q.tdb_category and q.tdb_category not in taxonomy.tdb_categories():
        bad_category = _("Unknown TDB category.")
    elif not q.tdb_category:
        bad_category = _("This phenomenon needs a TDB category chosen by hand.")
    elif allowed and q.tdb_category not in allowed:
        bad_category = _(
            "“%(category)s” does not describe “%(phenomenon)s”; use one of: %(choices)s."
        ) % {
            "category": taxonomy.label(q.tdb_category),
            "phenomenon": pheno.label(),
            "choices": "; ".join(taxonomy.label(c) for c in sorted(allowed)),
        }
    elif q.tdb_category == MINORS_CATEGORY and not q.minor_depicted:
        bad_category = _("“Protection of minors” needs a minor depicted or targeted.")
    checks.append(
        _check(
            "category_of_phenomenon",
            "tdb_category",
            _("The TDB category describes the phenomenon"),
            bad_category,
        )
    )
    unknown = [k for k in q.keywords if k not in taxonomy.tdb_keywords()]
    allowed_keywords = pheno.keywords_allowed(q.tdb_category)
    outside = [k for k in q.keywords if k not in unknown and k not in allowed_keywords]
    checks.append(
        _check(
            "keywords_of_category",
            "keywords",
            _("Every TDB keyword belongs to the TDB category"),
            (_("Unknown TDB keyword: %(keys)s.") % {"keys": ", ".join(unknown)})
            if unknown
            else (
                _("Not keywords of “%(category)s”: %(keys)s.")
                % {
                    "category": taxonomy.label(q.tdb_category),
                    "keys": "; ".join(taxonomy.label(k) for k in outside),
                }
            )
            if outside
            else "",
        )
    )
    if q.minor_depicted:
        wrong = [k for k in q.keywords if k in taxonomy.adult_only_keywords()]
        failure = (
            _("These keywords exclude content depicting minors: %(keys)s.")
            % {"keys": "; ".join(taxonomy.label(k) for k in wrong)}
            if wrong
            else ""
        )
    else:
        wrong = [k for k in q.keywords if k in taxonomy.MINOR_KEYWORDS]
        failure = (
            _("These keywords need a minor depicted or targeted: %(keys)s.")
            % {"keys": "; ".join(taxonomy.label(k) for k in wrong)}
            if wrong
            else ""
        )
    checks.append(
        _check(
            "keywords_fit_minor",
            "keywords",
            _("The keywords fit whether a minor is depicted or targeted"),
            failure,
        )
    )
    return checks


def _content_checks(q: Qualification, pheno: taxonomy.Phenomenon) -> list[Check]:
    known = set(taxonomy.content_type_aliases().values())
    unknown = [c for c in q.content_types if c not in known]
    missing = (
        SYNTHETIC in pheno.default_content_types
        and q.content_types
        and SYNTHETIC not in q.content_types
    )
    return [
        _check(
            "content_types",
            "content_types",
            _("At least one content type, each one known"),
            _("Choose at least one content type.")
            if not q.content_types
            else (_("Unknown content type %(value)s.") % {"value": ", ".join(unknown)})
            if unknown
            else "",
        ),
        _check(
            "synthetic_media",
            "content_types",
            _("Manipulated or generated material is typed as synthetic media"),
            _("“%(phenomenon)s” is about generated or manipulated material: add “%(type)s”.")
            % {"phenomenon": pheno.label(), "type": taxonomy.label(SYNTHETIC)}
            if missing
            else "",
            blocks_assessment=False,
            blocks_sending=False,
        ),
    ]


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def _reasons_checks(q: Qualification, item: Item) -> list[Check]:
    reasons = q.reasons.strip()
    failure = ""
    if len(reasons) < settings.MIN_REASONS_CHARS:
        failure = _(
            "Explain the facts and why each element of the offence is met: at least "
            "%(min)d characters (now %(count)d)."
        ) % {"min": settings.MIN_REASONS_CHARS, "count": len(reasons)}
    elif PLACEHOLDER.search(reasons):
        failure = _("The reasons still contain a template placeholder.")
    checks = [
        _check(
            "reasons_substantiated",
            "reasons",
            _("The reasons are long enough and hold no placeholder"),
            failure,
        )
    ]
    reused = _reused_elsewhere(reasons, item) if reasons else []
    checks.append(
        _check(
            "reasons_specific",
            "reasons",
            _("The reasons are written for this item"),
            ngettext(
                "The same reasons were written for another item (%(cases)s): a platform reads "
                "boilerplate as an unsubstantiated notice. Describe what this item shows or "
                "says.",
                "The same reasons were written for %(count)d other items (%(cases)s): a "
                "platform reads boilerplate as an unsubstantiated notice. Describe what this "
                "item shows or says.",
                len(reused),
            )
            % {"count": len(reused), "cases": ", ".join(sorted(set(reused))[:5])}
            if reused
            else "",
            blocks_assessment=False,
            blocks_sending=False,
        )
    )
    return checks


def _reused_elsewhere(reasons: str, item: Item) -> list[str]:
    """Case references of other items whose assessment has the same reasons (whitespace and
    case aside): narrowed in SQL by the opening characters, compared exactly in Python."""
    target = _normalised(reasons)
    candidates = (
        Assessment.objects.filter(reasons__istartswith=reasons.strip()[:60])
        .exclude(item_id=item.pk)
        .select_related("item__case")
        .only("reasons", "item__case__reference")[:200]
    )
    return [a.item.case.reference for a in candidates if _normalised(a.reasons) == target]


def qualification_checks(q: Qualification, *, item: Item) -> list[Check]:
    """Every rule of an illegal verdict, passed or not, in the order a reviewer reads them."""
    pheno = taxonomy.phenomena().get(q.phenomenon)
    if pheno is None:
        return [
            _check(
                "phenomenon_known",
                "phenomenon",
                _("The phenomenon is known"),
                _("Choose the phenomenon this content falls under."),
            )
        ]
    today = timezone.localdate()
    return [
        *_minor_checks(q, pheno, item),
        *_basis_checks(q, pheno),
        *_classification_checks(q, pheno),
        *_content_checks(q, pheno),
        *_reasons_checks(q, item),
        _check(
            "facts_on",
            "facts_on",
            _("The date of the facts is not in the future"),
            _("The facts cannot have happened after today.") if q.facts_on > today else "",
        ),
    ]


def qualification_of(assessment: Assessment) -> Qualification:
    return Qualification(
        phenomenon=assessment.phenomenon,
        tdb_category=assessment.tdb_category,
        keywords=list(assessment.keywords),
        legal_bases=list(assessment.legal_bases),
        reasons=assessment.reasons,
        content_types=list(assessment.content_types)
        or ([assessment.content_type] if assessment.content_type else []),
        minor_depicted=assessment.minor_depicted,
        facts_on=assessment.facts_on or default_facts_on(assessment.item),
    )


def assessment_checks(assessment: Assessment) -> list[Check]:
    """The checks of a stored assessment: shown to the reviewer, run again before sending
    (a coordinator may have confirmed a basis since, or a reasons text been reused)."""
    if assessment.verdict != Assessment.Verdict.ILLEGAL:
        return []
    return qualification_checks(qualification_of(assessment), item=assessment.item)
