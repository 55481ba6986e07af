"""The facts of a case for the statistics (docs/api.md, "Facts of a case"): read by every
caseworker who may see the case, recorded by the roles of ``Action.CASE_FACTS``. A case is
named by its reference; one outside the caller's scope answers 404, as one that does not
exist."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import CASEWORK_ROLES, Action, roles_for
from flagdesk.core.errors import NotFound, ValidationFailed
from flagdesk.core.schemas import Schema

from . import queries
from .models import Case, CaseFacts
from .services.case_facts import FIELDS, record_facts, relevant_fields

router = Router(tags=["cases"])


class FactsIn(Schema):
    """The facts to set; a field left out stays as it is, null (or "") clears it."""

    victim_age: int | None = None
    school_level: str | None = Field(None, max_length=20)
    victim_gender: str | None = Field(None, max_length=12)
    demand_money: bool | None = None
    demand_images: bool | None = None
    demand_other: bool | None = None
    meeting_sought: bool | None = None


class CasePath(Schema):
    """``/cases/{reference}/...``: the path parameter, guarded like any other input."""

    reference: str


def _case_or_404(request: HttpRequest, reference: str) -> Case:
    case = queries.case_reference(request.user, reference[:40])
    if case is None:
        raise NotFound(_("No case with this reference."))
    return case


def facts_json(case: Case, facts: CaseFacts) -> dict[str, Any]:
    recorded = facts.updated_at is not None
    return {
        "case": case.reference,
        **{name: getattr(facts, name) for name in FIELDS},
        "school_level": facts.school_level or None,
        "victim_gender": facts.victim_gender or None,
        # The questions this case asks (the sextortion and grooming ones only when it has
        # that phenomenon); setting another is refused.
        "asked": relevant_fields(case, facts),
        "recorded_by": facts.recorded_by.username if recorded and facts.recorded_by else None,
        "updated_at": facts.updated_at.isoformat() if recorded else None,
        "reporters_said": [
            {
                "report": g["reference"],
                "victim_age_band": g["age_band"] or None,
                "victim_gender": g["gender"] or None,
            }
            for g in queries.reporter_guesses(case)
        ],
    }


@router.get("/cases/{reference}/facts", auth=TokenAuth())
def get_case_facts(request: HttpRequest, path: Path[CasePath]) -> dict[str, Any]:
    require_role(request.user, *CASEWORK_ROLES)
    case = _case_or_404(request, path.reference)
    facts = queries.visible_case_facts(request.user, case.pk)
    assert facts is not None  # noqa: S101 - the case was found in the same scope
    return facts_json(case, facts)


@router.put("/cases/{reference}/facts", auth=TokenAuth())
def put_case_facts(request: HttpRequest, path: Path[CasePath], payload: FactsIn) -> dict[str, Any]:
    """Record the facts sent; 422 ``invalid`` names each wrong field, nothing is stored."""
    require_role(request.user, *roles_for(Action.CASE_FACTS))
    case = _case_or_404(request, path.reference)
    given = payload.dict(exclude_unset=True)
    if not given:
        raise ValidationFailed(
            _("Send at least one fact to record: %(fields)s.") % {"fields": ", ".join(FIELDS)},
            fields={"body": [_("Nothing to record.")]},
        )
    record_facts(case, actor=request.user, **given)
    return get_case_facts(request, path)
