"""One-click assessment of a re-upload, where a reviewer allowed it for the known hash."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.cases.models import Assessment, CaseEvent
from flagdesk.cases.services.assessment import submit_assessment
from flagdesk.cases.services.facts import default_facts_on
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict

from ..models import Match

if TYPE_CHECKING:
    from flagdesk.accounts.models import User


def bases_now(codes: list[str], *, on: dt.date) -> list[str]:
    """The known item's legal bases as the law stood on the re-upload's date: a provision
    renumbered since (the new Criminal Code) is cited by its successor; one with no version in
    force then is left as it was, for the check to name."""
    found = []
    for code in codes:
        basis = taxonomy.basis_in_force(code, on)
        found.append(basis.code if basis else code)
    return list(dict.fromkeys(found))


def prefill_source(match: Match) -> Assessment | None:
    """The approved assessment a match may reuse, if the entry's reviewer allowed it."""
    entry = match.entry
    if entry.removed_at is not None or not entry.bank.is_enabled:
        return None
    return entry.prefill_assessment


@transaction.atomic
def assess_from_match(match: Match, *, actor: User) -> Assessment:
    """Submit the known item's approved qualification for the new item.

    The analyst's click makes it their assessment (they vouch that it is the same content);
    it still goes to a reviewer, so four-eyes holds. The reasons are copied unchanged: they
    go into the notice to the platform, which must not see our banks or internal ids. Where
    the assessment came from is on the case timeline instead.
    """
    source = prefill_source(match)
    if source is None:
        raise Conflict(_("No reviewer allowed this match to pre-fill an assessment."))
    assessment = submit_assessment(
        match.item,
        actor=actor,
        verdict=source.verdict,
        phenomenon=source.phenomenon,
        tdb_category=source.tdb_category,
        keywords=source.keywords,
        legal_bases=bases_now(source.legal_bases, on=default_facts_on(match.item)),
        reasons=source.reasons,
        content_types=list(source.content_types)
        or ([source.content_type] if source.content_type else []),
        # A re-upload shows the same person: a minor then is a minor now. The date of the
        # facts is the new posting's, so the bases are checked against the law in force then.
        minor_depicted=source.minor_depicted,
    )
    known = match.entry.item
    CaseEvent.objects.create(
        case_id=match.item.case_id,
        item=match.item,
        kind=CaseEvent.Kind.PREFILLED,
        actor=actor,
        data={
            "assessment": str(assessment.id),
            "from_assessment": str(source.id),
            "match": str(match.id),
            "bank": match.entry.bank.slug,
            "distance": match.distance,
            "known_item": str(known.pk) if known else None,
            "known_case": known.case.reference if known else None,
        },
    )
    return assessment
