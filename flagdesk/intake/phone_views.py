"""Staff pages of the phone line and of a case's contact log.

The phone form posts to itself and redirects to the receipt page (POST/redirect/GET: a reload
must not take the report twice). The reference and receipt code travel to it in the same
encrypted, path-scoped cookie as the public form's receipt (``receipt_cookie``), deleted as the
page shows it: a reload or the back button shows it no more, and the server keeps nothing.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import FlagdeskError, ValidationFailed
from flagdesk.core.forms import show_error

from . import contacts, phonetic, queries, receipt_cookie
from .forms import ContactForm, PhoneReportForm, RevealForm
from .phone import status_url, take_phone_report
from .receipt_cookie import Receipt

RECEIPT_ROUTE = "intake:phone-receipt"


@never_cache
@role_required(*roles_for(Action.INTAKE_PHONE))
def phone_report(request: HttpRequest) -> HttpResponse:
    form = PhoneReportForm(request.POST or None)
    if form.is_valid():
        try:
            taken = take_phone_report(
                form.submission(),
                form.call(timezone.now()),
                actor=staff_user(request),
                mail_receipt=form.cleaned_data["mail_receipt"],
            )
        except ValidationFailed as e:
            form.add_service_errors(e)
        else:
            report = taken.submitted.report
            receipt = Receipt(
                report.reference,
                taken.submitted.receipt_code,
                language=report.language,
                mailed=taken.mail is not None,
            )
            response = redirect(RECEIPT_ROUTE)
            receipt_cookie.give(response, receipt, route=RECEIPT_ROUTE)
            return response
    elif form.is_bound:
        form.add_check_errors(timezone.now())  # every problem at once, not one pass each
    return render(request, "intake/phone_report.html", {"form": form})


@never_cache
@role_required(*roles_for(Action.INTAKE_PHONE))
def phone_receipt(request: HttpRequest) -> HttpResponse:
    receipt = receipt_cookie.read(request)
    context: dict[str, object] = {"receipt": receipt, "status_url": status_url()}
    if receipt is not None:
        context["reference_spelled"] = phonetic.spell(receipt.reference, receipt.language)
        context["code_spelled"] = phonetic.spell(receipt.receipt_code, receipt.language)
    response = render(request, "intake/phone_receipt.html", context)
    receipt_cookie.forget(request, response, route=RECEIPT_ROUTE)
    return response


def _contacts_page(
    request: HttpRequest,
    case_id: UUID,
    *,
    form: ContactForm | None = None,
    reveal_form: RevealForm | None = None,
    revealed: tuple[UUID, str] | None = None,
    reveal_of: UUID | None = None,
) -> HttpResponse:
    found = queries.case_contacts(request.user, case_id)
    if found is None:
        raise Http404
    item, entries = found
    context = {
        "case": item.case,
        "item": item,
        "entries": entries,
        "form": form or ContactForm(),
        "reveal_form": reveal_form or RevealForm(),
        "reveal_of": reveal_of,
        "revealed": revealed,
    }
    return render(request, "intake/case_contacts.html", context)


@never_cache
@role_required(*roles_for(Action.SUPPORT))
def case_contacts(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The log of a case, and the form adding a contact to it."""
    found = queries.case_contacts(request.user, case_id)
    if found is None:
        raise Http404
    form = ContactForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            contacts.record_contact(
                found[0].case,
                actor=staff_user(request),
                at=data["at"],
                channel=data["channel"],
                direction=data["direction"],
                summary=data["summary"],
                referral=data["referral"] or "none",
                referred_to=data["referred_to"],
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(request, _("The contact is in the log."))
            return redirect("intake:case-contacts", case_id=case_id)
    return _contacts_page(request, case_id, form=form)


@never_cache
@require_POST
@role_required(*roles_for(Action.SUPPORT))
def contact_reveal(request: HttpRequest, case_id: UUID, contact_id: UUID) -> HttpResponse:
    """One entry's summary, with the reason recorded in the audit trail first."""
    entry = queries.case_contact(request.user, case_id, contact_id)
    if entry is None:
        raise Http404
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            text = contacts.reveal_contact(
                entry, actor=staff_user(request), reason=form.cleaned_data["reason"]
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            revealed = (entry.pk, text)
    return _contacts_page(request, case_id, reveal_form=form, revealed=revealed, reveal_of=entry.pk)
