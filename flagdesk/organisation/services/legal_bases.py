"""A coordinator confirms, or withdraws the confirmation of, a legal basis marked ``verify``.

A basis nobody could check against an official source keeps ``verify: true`` in the taxonomy
and blocks sending until a coordinator vouches for it, with a note saying which source
they checked. So does a basis cited for facts after an end date that is not confirmed
(``valid_to_provisional``: the 1867 Criminal Code's articles around the new code's entry into
force): confirming it says it still applied then. Withdrawing writes onto the confirmation;
nothing is deleted.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.services import record
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict, ValidationFailed

from ..models import LegalBasisConfirmation

NOTE_MAX_CHARS = 2000


def _check(code: str, note: str) -> None:
    errors: dict[str, list[str]] = {}
    basis = taxonomy.legal_bases().get(code)
    if basis is None:
        errors["code"] = [_("Unknown legal basis: %(code)s.") % {"code": code}]
    elif not (basis.verify or basis.valid_to_provisional):
        errors["code"] = [
            _("The legal basis %(code)s is not marked “to be confirmed”; it needs no confirmation.")
            % {"code": code}
        ]
    if not note.strip():
        errors["note"] = [_("Say why you are satisfied, for example which source you checked.")]
    elif len(note) > NOTE_MAX_CHARS:
        errors["note"] = [_("At most %(limit)d characters.") % {"limit": NOTE_MAX_CHARS}]
    if errors:
        raise ValidationFailed(_("The confirmation is not valid."), fields=errors)


@transaction.atomic
def confirm_legal_basis(
    code: str, *, actor: User, note: str, now: dt.datetime | None = None
) -> LegalBasisConfirmation:
    """Confirm a basis marked ``verify`` (coordinator only).

    Raises ``PermissionDenied`` for other roles, ``ValidationFailed`` naming ``code`` (unknown,
    or not marked ``verify``) or ``note`` (empty), ``Conflict`` if it is already confirmed.
    Writes the audit entry ``legal_basis.confirmed``.
    """
    require_role(actor, *roles_for(Action.LEGAL_BASES_CONFIRM))
    _check(code, note)
    if LegalBasisConfirmation.objects.filter(code=code, withdrawn_at__isnull=True).exists():
        raise Conflict(_("The legal basis %(code)s is already confirmed.") % {"code": code})
    try:
        with transaction.atomic():
            confirmation = LegalBasisConfirmation.objects.create(
                code=code,
                confirmed_by=actor,
                confirmed_at=now or timezone.now(),
                note=note.strip(),
            )
    except IntegrityError as e:  # a second coordinator confirmed it a moment earlier
        raise Conflict(_("The legal basis %(code)s is already confirmed.") % {"code": code}) from e
    record(
        "legal_basis.confirmed",
        actor=actor,
        target=f"legal_basis:{code}"[:100],
        reason=note.strip()[:500],
        data={"confirmation": str(confirmation.id)},
    )
    return confirmation


@transaction.atomic
def withdraw_legal_basis_confirmation(
    code: str, *, actor: User, note: str, now: dt.datetime | None = None
) -> LegalBasisConfirmation:
    """Withdraw the current confirmation of ``code`` (coordinator only): the basis blocks
    sending again. Same errors as ``confirm_legal_basis``; ``Conflict`` when it is not
    confirmed. Writes the audit entry ``legal_basis.confirmation_withdrawn``."""
    require_role(actor, *roles_for(Action.LEGAL_BASES_CONFIRM))
    _check(code, note)
    confirmation = (
        LegalBasisConfirmation.objects.select_for_update()
        .filter(code=code, withdrawn_at__isnull=True)
        .first()
    )
    if confirmation is None:
        raise Conflict(_("The legal basis %(code)s is not confirmed.") % {"code": code})
    confirmation.withdrawn_at = now or timezone.now()
    confirmation.withdrawn_by = actor
    confirmation.withdrawal_note = note.strip()
    confirmation.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"])
    record(
        "legal_basis.confirmation_withdrawn",
        actor=actor,
        target=f"legal_basis:{code}"[:100],
        reason=note.strip()[:500],
        data={"confirmation": str(confirmation.id)},
    )
    return confirmation
