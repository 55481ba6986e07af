"""GET/PUT /api/v1/organisation: the organisation's identity and designations (docs/api.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.models import Role
from flagdesk.accounts.permissions import require_role

from .models import Organisation
from .services import DesignationInput, current_organisation, update_organisation

router = Router(tags=["organisation"])

READER_ROLES = (Role.ADMIN, Role.COORDINATOR)


class DesignationIn(Schema):
    authority: str
    designated_on: dt.date
    phenomena: list[str]
    valid_until: dt.date | None = None
    suspended: bool = False


class OrganisationIn(Schema):
    name: str
    email: str
    designations: list[DesignationIn]
    independence_procedures: str | None = None


def organisation_json(org: Organisation) -> dict[str, Any]:
    return {
        "name": org.name,
        "email": org.email,
        "independence_procedures": org.independence_procedures,
        "designations": [
            {
                "authority": d.authority,
                "designated_on": d.designated_on.isoformat(),
                "valid_until": d.valid_until.isoformat() if d.valid_until else None,
                "suspended": d.is_suspended,
                "phenomena": list(d.phenomena),
            }
            for d in org.designations.all()
        ],
        "updated_at": org.updated_at.isoformat(),
    }


@router.get("/organisation", auth=TokenAuth())
def get_organisation(request: HttpRequest) -> dict[str, Any]:
    require_role(request.user, *READER_ROLES)
    return organisation_json(current_organisation())


@router.put("/organisation", auth=TokenAuth())
def put_organisation(request: HttpRequest, payload: OrganisationIn) -> dict[str, Any]:
    org = update_organisation(
        actor=request.user,
        name=payload.name,
        email=payload.email,
        independence_procedures=payload.independence_procedures,
        designations=[
            DesignationInput(
                authority=d.authority,
                designated_on=d.designated_on,
                valid_until=d.valid_until,
                is_suspended=d.suspended,
                phenomena=d.phenomena,
            )
            for d in payload.designations
        ],
    )
    return organisation_json(org)
