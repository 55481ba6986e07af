"""Reads of the organisation: designation history and snapshots, legal-basis confirmations, and
the support lines shown to victims."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from flagdesk.accounts.models import User
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core import taxonomy

from .models import (
    Designation,
    DesignationVersion,
    LegalBasisConfirmation,
    Organisation,
    SupportLine,
)


def age_band_starts() -> list[int]:
    """The ages at which the organisation's published age bands start (its statistics
    settings), or the default bands before the organisation is set up."""
    from .models import DEFAULT_AGE_BANDS

    row = Organisation.objects.order_by("pk").values_list("statistics_age_bands", flat=True)
    return list(row.first() or DEFAULT_AGE_BANDS)


def organisation_name() -> str:
    """The organisation's name as a coordinator edited it (pages, mails to reporters); the
    ``FLAGDESK_ORG_NAME`` setting until then."""
    name = Organisation.objects.order_by("pk").values_list("name", flat=True).first()
    return name or settings.ORG_NAME


def designations(org: Organisation, *, include_ended: bool = False) -> QuerySet[Designation]:
    """The organisation's designations with their suspensions and history, for pages and API."""
    rows = org.designations.prefetch_related(
        "suspensions",
        Prefetch(
            "versions",
            queryset=DesignationVersion.objects.select_related("recorded_by").order_by("number"),
        ),
    )
    return rows if include_ended else rows.filter(ended_on__isnull=True)


def designation_snapshot(
    org: Organisation, *, on: dt.date, phenomena: set[str]
) -> list[dict[str, Any]]:
    """JSON-ready copies of the designations active on ``on`` that cover any of ``phenomena``.

    A notice stores this when it is frozen, so it keeps the designation (and its version) it
    relied on whatever happens to the designation later.
    """
    snapshot = []
    for d in org.designations.prefetch_related("suspensions").order_by("designated_on"):
        if not d.is_active_on(on) or not phenomena & set(d.phenomena):
            continue
        state = d.state()
        snapshot.append(
            {
                "id": str(d.id),
                "version": d.version,
                "authority": state["authority"],
                "designated_on": state["designated_on"],
                "valid_until": state["valid_until"],
                "areas": state["phenomena"],
                "suspended_from": state["suspended_from"],
                "suspended_until": state["suspended_until"],
            }
        )
    return snapshot


def confirmed_legal_bases() -> set[str]:
    """Codes of the legal bases a coordinator currently vouches for (not withdrawn)."""
    return set(
        LegalBasisConfirmation.objects.filter(withdrawn_at__isnull=True).values_list(
            "code", flat=True
        )
    )


def current_confirmations() -> dict[str, LegalBasisConfirmation]:
    rows = LegalBasisConfirmation.objects.filter(withdrawn_at__isnull=True).select_related(
        "confirmed_by"
    )
    return {c.code: c for c in rows}


@dataclass(frozen=True)
class BasisToConfirm:
    """A legal basis marked ``verify`` in the taxonomy, with its confirmation if any."""

    basis: taxonomy.LegalBasis
    confirmation: LegalBasisConfirmation | None
    history: tuple[LegalBasisConfirmation, ...]

    @property
    def is_confirmed(self) -> bool:
        return self.confirmation is not None

    @property
    def label(self) -> str:
        """In the reader's language."""
        return self.basis.label()

    @property
    def citation(self) -> str:
        """Instrument and article in the reader's language."""
        return self.basis.citation()

    @property
    def withdrawn(self) -> tuple[LegalBasisConfirmation, ...]:
        return tuple(c for c in self.history if not c.is_current)


def bases_to_confirm() -> list[BasisToConfirm]:
    """Every basis marked ``verify``, in registry order, with its confirmations, oldest first."""
    rows = LegalBasisConfirmation.objects.select_related("confirmed_by", "withdrawn_by")
    by_code: dict[str, list[LegalBasisConfirmation]] = {}
    for row in rows.order_by("confirmed_at"):
        by_code.setdefault(row.code, []).append(row)
    result = []
    for code, basis in taxonomy.legal_bases().items():
        if not (basis.verify or basis.valid_to_provisional):
            continue
        history = tuple(by_code.get(code, ()))
        current = next((c for c in history if c.is_current), None)
        result.append(BasisToConfirm(basis, current, history))
    return result


def managed_support_lines(user: User) -> QuerySet[SupportLine]:
    """Every support line, active or not, in the order victims see them; none for roles that
    do not manage them."""
    if not user.has_any_role(*roles_for(Action.SUPPORT_LINES)):
        return SupportLine.objects.none()
    return SupportLine.objects.order_by("order", "created_at")


@dataclass(frozen=True)
class PublicSupportLine:
    """A support line as a victim reads it, in one language."""

    name: str
    offer: str
    hours: str
    phone: str
    url: str

    @property
    def phone_uri(self) -> str:
        """The number for a ``tel:`` link: the separators people write, left out."""
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


def support_lines_for(phenomenon: str, language: str) -> list[PublicSupportLine]:
    """The active lines that answer in ``language`` and help with ``phenomenon`` (a line
    without phenomena helps with every one; a report without a phenomenon gets those only),
    in the organisation's order. Public: no role, nothing personal."""
    shown = []
    for line in SupportLine.objects.filter(is_active=True).order_by("order", "created_at"):
        if language not in line.languages:
            continue
        if line.phenomena and phenomenon not in line.phenomena:
            continue
        text = line.texts.get(language) or {}
        shown.append(
            PublicSupportLine(
                name=str(text.get("name", "")),
                offer=str(text.get("offer", "")),
                hours=str(text.get("hours", "")),
                phone=line.phone,
                url=line.url,
            )
        )
    return shown
