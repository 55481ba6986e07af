"""Whom we may write to: the one rule for every mail to a reporter after the receipt.

A reporter hears from us by mail only if they left an email address, did not report
anonymously, agreed to be contacted, and neither had their contact details erased nor asked
for it (a request a legal hold keeps waiting still counts: they asked us to forget them).
The automatic outcome mails (``outcome_mail``) filter reports with ``mailable_reports``; the
case page's "Write to the reporter" explains a refusal with ``why_not_writable``.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import Report


def mailable_reports() -> QuerySet[Report]:
    """Reports whose reporter may be written to (nothing decrypted: empty stays empty)."""
    return Report.objects.filter(
        is_anonymous=False,
        has_consented=True,
        contact_erased_at__isnull=True,
        erasure_held_at__isnull=True,
    ).exclude(reporter_email="")


def why_not_writable(report: Report) -> str:
    """Why no mail may go to this report's reporter, in words for staff; "" when one may."""
    if report.contact_erased_at is not None or report.erasure_held_at is not None:
        return _(
            "The reporter's contact details were erased, or the reporter asked for it: we "
            "may not write to them any more."
        )
    if report.is_anonymous:
        return _("This report was made anonymously: there is no one to write to.")
    if not report.has_consented:
        return _("The reporter did not agree to be contacted.")
    if not report.reporter_email:
        return _(
            "The reporter left no email address. If they left a phone number, call them and "
            "note the call in the contact log."
        )
    return ""
