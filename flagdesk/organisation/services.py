"""Editing the organisation's identity and its trusted-flagger designations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import Role, User
from flagdesk.accounts.permissions import require_role
from flagdesk.audit.services import record
from flagdesk.core import taxonomy
from flagdesk.core.errors import ValidationFailed

from .models import Designation, Organisation


@dataclass(frozen=True)
class DesignationInput:
    authority: str
    designated_on: dt.date
    phenomena: Sequence[str]
    valid_until: dt.date | None = None
    is_suspended: bool = False


def current_organisation() -> Organisation:
    """The singleton, created from FLAGDESK_ORG_NAME/FLAGDESK_ORG_EMAIL on first use."""
    org = Organisation.objects.prefetch_related("designations").order_by("pk").first()
    if org is None:
        org = Organisation.objects.create(name=settings.ORG_NAME, email=settings.ORG_EMAIL)
    return org


@transaction.atomic
def update_organisation(
    *,
    actor: User,
    name: str,
    email: str,
    designations: Sequence[DesignationInput],
    independence_procedures: str | None = None,
) -> Organisation:
    """Replace the organisation's identity and designations (admin or coordinator).

    A suspended or expired designation stops trusted-flagger marking at once (legal.md g.21).
    """
    require_role(actor, Role.ADMIN, Role.COORDINATOR)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Required.")]
    try:
        validate_email(email.strip())
    except DjangoValidationError:
        # The address goes into the From of every notice; a typo would silently break them.
        errors["email"] = [_("Enter a valid email address.")]
    known = taxonomy.phenomena()
    for i, d in enumerate(designations):
        if not d.authority.strip():
            errors[f"designations.{i}.authority"] = [_("Required.")]
        if unknown := [p for p in d.phenomena if p not in known]:
            errors[f"designations.{i}.phenomena"] = [
                _("Unknown phenomena: %(codes)s.") % {"codes": ", ".join(unknown)}
            ]
        if d.valid_until and d.valid_until < d.designated_on:
            errors[f"designations.{i}.valid_until"] = [_("Ends before it starts.")]
    if errors:
        raise ValidationFailed(_("The organisation settings are not valid."), fields=errors)
    org = current_organisation()
    org.name, org.email = name.strip(), email.strip()
    if independence_procedures is not None:
        org.independence_procedures = independence_procedures
    org.save()
    org.designations.all().delete()
    Designation.objects.bulk_create(
        Designation(
            organisation=org,
            authority=d.authority.strip(),
            designated_on=d.designated_on,
            valid_until=d.valid_until,
            is_suspended=d.is_suspended,
            phenomena=list(d.phenomena),
        )
        for d in designations
    )
    record(
        "organisation.updated",
        actor=actor,
        target="organisation",
        data={"designations": len(designations)},
    )
    return current_organisation()
