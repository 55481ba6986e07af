"""Staff pages of mails to reporters: write one (with a preview), send a failed one again,
close a request for more information. Every page starts from the case in the user's scope;
the reporter's address is never shown here (the case page's audited reveal shows it)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import FlagdeskError

from . import queries
from .labels import staff_role_label
from .models import ReporterMail
from .reporter_contact import why_not_writable
from .reporter_forms import ReporterWriteForm
from .reporter_updates import (
    close_request,
    compose_staff_mail,
    default_subject,
    send_again,
    write_to_reporter,
)

K = ReporterMail.Kind
WRITE_ROLES = roles_for(Action.REPORTER_WRITE)
PREVIEW, SEND = "preview", "send"


def _to_case(case_id: UUID) -> HttpResponse:
    return redirect(f"{reverse('cases:case-detail', kwargs={'case_id': case_id})}#reporter-mails")


def _other_default(subject: str, kind: str, subjects: dict[str, str]) -> str:
    """Without the page's script, a subject left as the other kind's default follows the
    kind chosen."""
    other = K.STAFF if kind == K.NEEDS_INFO else K.NEEDS_INFO
    return subjects[kind] if subject.strip() == subjects[other] else subject


@never_cache
@role_required(*WRITE_ROLES)
def reporter_write(request: HttpRequest, case_id: UUID, report_id: UUID) -> HttpResponse:
    """The form, its preview (the mail as the reporter will read it), and the send."""
    found = queries.case_report(request.user, case_id, report_id)
    if found is None:
        raise Http404
    case, report = found
    subjects = {kind: default_subject(report, kind) for kind in (K.STAFF, K.NEEDS_INFO)}
    reason = why_not_writable(report)
    form = ReporterWriteForm(request.POST or None, subjects=subjects)
    preview: tuple[str, str] | None = None
    status = 200
    if reason:
        form = None  # nothing to write: the page says why
        status = 409 if request.method == "POST" else 200
    elif form.is_valid():
        data = form.cleaned_data
        subject = _other_default(data["subject"], data["kind"], subjects)
        try:
            if request.POST.get("action") == SEND:
                write_to_reporter(
                    report,
                    actor=staff_user(request),
                    kind=data["kind"],
                    subject=subject,
                    text=data["text"],
                )
            else:
                preview = compose_staff_mail(
                    report, kind=data["kind"], subject=subject, text=data["text"]
                )
        except FlagdeskError as e:
            form.add_service_errors(e)
            status = 422
        else:
            if preview is None:
                messages.success(
                    request,
                    _("The mail to the reporter of report %(reference)s is on its way.")
                    % {"reference": report.reference},
                )
                return _to_case(case.pk)
            if subject != data["subject"]:  # shown as it will go
                form.data = form.data.copy()
                form.data["subject"] = subject
    elif form.is_bound:
        status = 422
    context: dict[str, Any] = {
        "case": case,
        "report": report,
        "role": staff_role_label(report.role),
        "reason": reason,
        "form": form,
        "preview": preview,
        "actions": {"preview": PREVIEW, "send": SEND},
    }
    return render(request, "intake/reporter_write.html", context, status=status)


@never_cache
@require_POST
@role_required(*WRITE_ROLES)
def reporter_mail_again(
    request: HttpRequest, case_id: UUID, reporter_mail_id: UUID
) -> HttpResponse:
    """Send a failed mail again (its body written anew from what is kept)."""
    mail = queries.case_reporter_mail(request.user, case_id, reporter_mail_id)
    if mail is None:
        raise Http404
    try:
        send_again(mail, actor=staff_user(request))
    except FlagdeskError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("The mail is queued again."))
    return _to_case(case_id)


@never_cache
@require_POST
@role_required(*WRITE_ROLES)
def info_request_close(request: HttpRequest, case_id: UUID, info_request_id: UUID) -> HttpResponse:
    """Stop waiting for the reporter's answer."""
    info = queries.case_info_request(request.user, case_id, info_request_id)
    if info is None:
        raise Http404
    try:
        close_request(info, actor=staff_user(request))
    except FlagdeskError as e:
        messages.info(request, str(e.message))
    else:
        messages.success(request, _("The request for more information is closed."))
    return _to_case(case_id)
