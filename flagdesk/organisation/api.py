"""The organisation's identity and versioned designations, and the confirmations of legal bases
marked "to be confirmed" (docs/api.md, "The organisation" and "Legal bases")."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core import taxonomy
from flagdesk.core.errors import ValidationFailed
from flagdesk.core.schemas import Schema

from . import queries
from .age_bands import bands
from .models import Designation, LegalBasisConfirmation, Organisation, iso_date
from .services import (
    DesignationInput,
    confirm_legal_basis,
    current_organisation,
    update_organisation,
    update_statistics_settings,
    withdraw_legal_basis_confirmation,
)
from .services.statistics import check_statistics

router = Router(tags=["organisation"])

READER_ROLES = roles_for(Action.ORGANISATION_EDIT)
LEGAL_BASIS_READERS = roles_for(Action.LEGAL_BASES_READ)


# Bounds are the columns' (a longer value would be a database error, a 500 on PostgreSQL)
# or generous multiples of any real organisation's needs.
class DesignationIn(Schema):
    id: UUID | None = None
    authority: str = Field(max_length=100)
    designated_on: dt.date
    phenomena: list[str] = Field(max_length=100)
    valid_until: dt.date | None = None
    suspended: bool = False
    suspended_from: dt.date | None = None
    suspended_until: dt.date | None = None
    note: str = Field("", max_length=500)


class StatisticsIn(Schema):
    """The statistics settings (docs/organisation.md): the ages the bands start at, the
    smallest published count. Checked by the service, which names each wrong field."""

    age_bands: list[int] = Field(max_length=50)
    min_cell: int


class OrganisationIn(Schema):
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    designations: list[DesignationIn] = Field(max_length=50)
    independence_procedures: str | None = Field(None, max_length=50_000)
    statistics: StatisticsIn | None = None


class BasisPath(Schema):
    """``/legal-bases/{code}``: a code holds "/" (``BE-CC-417/9``); guarded like any input."""

    code: str = Field(max_length=100)


class ConfirmationIn(Schema):
    note: str = Field(max_length=2000)


def designation_json(d: Designation) -> dict[str, Any]:
    state = d.state()
    return {
        "id": str(d.id),
        "version": d.version,
        "authority": state["authority"],
        "designated_on": state["designated_on"],
        "valid_until": state["valid_until"],
        "suspended": d.is_suspended,
        "suspended_from": state["suspended_from"],
        "suspended_until": state["suspended_until"],
        "note": state["suspension_note"],
        "phenomena": state["phenomena"],
        "ended_on": state["ended_on"],
        "history": [
            {
                "version": v.number,
                "kind": v.kind,
                "recorded_at": v.recorded_at.isoformat(),
                "recorded_by": v.recorded_by.username if v.recorded_by else None,
                "changed": list(v.changed),
                "note": v.note,
                "state": dict(v.state),
            }
            for v in d.versions.all()
        ],
    }


def organisation_json(org: Organisation) -> dict[str, Any]:
    rows = list(queries.designations(org, include_ended=True))
    return {
        "name": org.name,
        "email": org.email,
        "independence_procedures": org.independence_procedures,
        "designations": [designation_json(d) for d in rows if not d.is_ended],
        "ended_designations": [designation_json(d) for d in rows if d.is_ended],
        "statistics": {
            "age_bands": list(org.statistics_age_bands),
            "min_cell": org.statistics_min_cell,
            "band_labels": [b.label for b in bands(org.statistics_age_bands)],
        },
        "updated_at": org.updated_at.isoformat(),
    }


@router.get("/organisation", auth=TokenAuth())
def get_organisation(request: HttpRequest) -> dict[str, Any]:
    require_role(request.user, *READER_ROLES)
    return organisation_json(current_organisation())


@router.put("/organisation", auth=TokenAuth())
def put_organisation(request: HttpRequest, payload: OrganisationIn) -> dict[str, Any]:
    """Identity, designations and (when sent) the statistics settings: all or nothing."""
    stats = payload.statistics
    if stats is not None:
        # Checked first, so that a wrong value is named before anything else is touched;
        # saved after the identity, in the same transaction.
        errors = check_statistics(stats.age_bands, stats.min_cell)
        if errors:
            raise ValidationFailed(
                _("The statistics settings are not valid."),
                fields={f"statistics.{name}": msgs for name, msgs in errors.items()},
            )
    with transaction.atomic():
        update_organisation(
            actor=request.user,
            name=payload.name,
            email=payload.email,
            independence_procedures=payload.independence_procedures,
            designations=[
                DesignationInput(
                    id=d.id,
                    authority=d.authority,
                    designated_on=d.designated_on,
                    valid_until=d.valid_until,
                    is_suspended=d.suspended,
                    suspended_from=d.suspended_from,
                    suspended_until=d.suspended_until,
                    note=d.note,
                    phenomena=d.phenomena,
                )
                for d in payload.designations
            ],
        )
        if stats is not None:
            update_statistics_settings(
                actor=request.user,
                age_bands=stats.age_bands,
                min_cell=stats.min_cell,
                prefix="statistics.",
            )
    return organisation_json(current_organisation())


def confirmation_json(c: LegalBasisConfirmation | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"by": c.confirmed_by.username, "at": c.confirmed_at.isoformat(), "note": c.note}


def legal_basis_json(
    basis: taxonomy.LegalBasis, confirmation: LegalBasisConfirmation | None
) -> dict[str, Any]:
    return {
        "code": basis.code,
        "jurisdiction": basis.jurisdiction,
        "kind": basis.kind,
        "instrument": dict(basis.instrument),
        "article": basis.article,
        "valid_from": iso_date(basis.valid_from),
        "valid_to": iso_date(basis.valid_to),
        "valid_to_provisional": basis.valid_to_provisional,
        "predecessor": basis.predecessor,
        "successor": basis.successor,
        "labels": {lang: basis.labels.get(lang) for lang in taxonomy.LANGUAGES},
        "verify": basis.verify,
        "verify_note": basis.verify_note,
        "confirmed": confirmation is not None,
        "confirmation": confirmation_json(confirmation),
        "sources": [
            {"title": s.title, "url": s.url, "consulted_on": s.consulted_on or None}
            for s in basis.sources
        ],
    }


@router.get("/legal-bases", auth=TokenAuth())
def list_legal_bases(request: HttpRequest) -> list[dict[str, Any]]:
    require_role(request.user, *LEGAL_BASIS_READERS)
    confirmations = queries.current_confirmations()
    return [
        legal_basis_json(basis, confirmations.get(code))
        for code, basis in taxonomy.legal_bases().items()
    ]


@router.post(
    "/legal-bases/{path:code}/confirmation", auth=TokenAuth(), response={201: dict[str, Any]}
)
def confirm_basis(
    request: HttpRequest, path: Path[BasisPath], payload: ConfirmationIn
) -> tuple[int, dict[str, Any]]:
    confirmation = confirm_legal_basis(path.code, actor=request.user, note=payload.note)
    return 201, legal_basis_json(taxonomy.legal_bases()[path.code], confirmation)


@router.delete("/legal-bases/{path:code}/confirmation", auth=TokenAuth())
def withdraw_basis_confirmation(
    request: HttpRequest, path: Path[BasisPath], payload: ConfirmationIn
) -> dict[str, Any]:
    withdraw_legal_basis_confirmation(path.code, actor=request.user, note=payload.note)
    return legal_basis_json(taxonomy.legal_bases()[path.code], None)
