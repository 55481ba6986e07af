"""The reporter's consent to the reporters' bank, with the receipt code (docs/api.md,
"Public intake"; docs/victims.md): ``PUT`` gives it, ``DELETE`` withdraws it. The same 404 and
rate limit as every other call made with the receipt code (``api.report_from_header``)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Path, Router

from flagdesk.core.schemas import Schema

from . import consent
from .api import RECEIPT_CODE_HEADER, ErrorOut, ReferencePath, report_from_header

router = Router(tags=["public intake"])


class BankConsentOut(Schema):
    reference: str
    bank_consent: bool
    given_at: datetime | None
    withdrawn_at: datetime | None
    entries_added: int
    entries_removed: int


def _consent_out(done: consent.ConsentState) -> BankConsentOut:
    return BankConsentOut(
        reference=done.reference,
        bank_consent=done.bank_consent,
        given_at=done.given_at,
        withdrawn_at=done.withdrawn_at,
        entries_added=done.entries_added,
        entries_removed=done.entries_removed,
    )


@router.put(
    "/reports/{reference}/bank-consent",
    response={200: BankConsentOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    summary="Let us keep looking for the report's pictures (public)",
    openapi_extra={"parameters": [RECEIPT_CODE_HEADER]},
)
def give_bank_consent(request: HttpRequest, path: Path[ReferencePath]) -> BankConsentOut:
    """The reporter's consent to keep the report's fingerprints in the reporters' bank;
    idempotent. ``409 no_signals`` for a report without fingerprints (docs/victims.md)."""
    report = report_from_header(request, path.reference)
    return _consent_out(consent.give_bank_consent(report))


@router.delete(
    "/reports/{reference}/bank-consent",
    response={200: BankConsentOut, 404: ErrorOut, 429: ErrorOut},
    summary="Stop looking for the report's pictures (public)",
    openapi_extra={"parameters": [RECEIPT_CODE_HEADER]},
)
def withdraw_bank_consent(request: HttpRequest, path: Path[ReferencePath]) -> BankConsentOut:
    """The reporter withdraws the consent: the fingerprints leave the bank at once;
    idempotent."""
    report = report_from_header(request, path.reference)
    return _consent_out(consent.withdraw_bank_consent(report))
