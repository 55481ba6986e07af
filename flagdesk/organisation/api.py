"""GET/PUT /api/v1/organisation: the organisation's identity and designations (docs/api.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.models import Role
from flagdesk.accounts.permissions import require_role
from flagdesk.core.schemas import Schema

from .models import Organisation
from .services import DesignationInput, current_organisation, update_organisation

router = Router(tags=["organisation"])

READER_ROLES = (Role.ADMIN, Role.COORDINATOR)


# Bounds are the columns' (a longer value would be a database error, a 500 on PostgreSQL)
# or generous multiples of any real organisation's needs.
class DesignationIn(Schema):
    authority: str = Field(max_length=100)
    designated_on: dt.date
    phenomena: list[str] = Field(max_length=100)
    valid_until: dt.date | None = None
    suspended: bool = False


class OrganisationIn(Schema):
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    designations: list[DesignationIn] = Field(max_length=50)
    independence_procedures: str | None = Field(None, max_length=50_000)


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
