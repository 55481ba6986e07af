"""One-click assessment of a re-upload, where a reviewer allowed it for the known hash."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from flagdesk.cases.models import Assessment
from flagdesk.cases.services.assessment import submit_assessment
from flagdesk.core.errors import Conflict

from ..models import Match

if TYPE_CHECKING:
    from flagdesk.accounts.models import User


def prefill_source(match: Match) -> Assessment | None:
    """The approved assessment a match may reuse, if the entry's reviewer allowed it."""
    entry = match.entry
    if entry.removed_at is not None or not entry.bank.is_enabled:
        return None
    return entry.prefill_assessment


def assess_from_match(match: Match, *, actor: User) -> Assessment:
    """Submit the known item's approved qualification for the new item.

    The analyst's click makes it their assessment (they vouch that it is the same content);
    it still goes to a reviewer, so four-eyes holds. The reasons say where they came from.
    """
    source = prefill_source(match)
    if source is None:
        raise Conflict(_("No reviewer allowed this match to pre-fill an assessment."))
    known = match.entry.item
    origin = _(
        "Same content as item %(item)s of case %(case)s (bank %(bank)s, %(kind)s distance "
        "%(distance)s); its approved assessment follows."
    ) % {
        "item": str(known.pk)[:8] if known else "-",
        "case": known.case.reference if known else "-",
        "bank": match.entry.bank.name,
        "kind": match.entry.get_signal_type_display(),
        "distance": match.distance,
    }
    return submit_assessment(
        match.item,
        actor=actor,
        verdict=source.verdict,
        phenomenon=source.phenomenon,
        tdb_category=source.tdb_category,
        keywords=source.keywords,
        legal_bases=source.legal_bases,
        reasons=f"{origin}\n\n{source.reasons}",
        content_type=source.content_type,
    )
