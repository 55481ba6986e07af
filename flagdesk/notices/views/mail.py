"""The answers mailbox's triage list: mails that could not be recorded on a notice by
themselves (no reference, another sender, unclear), for a person to confirm or set aside."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import role_required
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error
from flagdesk.core.references import normalise_reference

from .. import queries
from ..forms import MailConfirmForm
from ..models import InboundMail
from ..services.inbound import confirm_mail, current_cursor, set_aside
from ..services.responses import RESPONSE_ROLES

WAITING = (InboundMail.State.NEEDS_REVIEW, InboundMail.State.UNMATCHED)
PAGE = 100


@role_required(*RESPONSE_ROLES)
def mail_list(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - role_required let only staff in
    mails = queries.visible_mails(user).defer("raw", "text")
    if not show_all:
        mails = mails.filter(state__in=WAITING)
    return render(
        request,
        "notices/mail_list.html",
        {
            "mails": list(mails.order_by("-received_at")[:PAGE]),
            "show_all": show_all,
            "waiting": queries.visible_mails(user).filter(state__in=WAITING).count(),
            "cursors": [c for c in [current_cursor()] if c is not None],
        },
    )


@role_required(*RESPONSE_ROLES)
def mail_detail(request: HttpRequest, mail_id: UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - role_required let only staff in
    mail = get_object_or_404(queries.visible_mails(user), id=mail_id)
    initial = {
        "notice_reference": mail.notice.reference if mail.notice else "",
        "kind": mail.kind if mail.kind in dict(MailConfirmForm.base_fields["kind"].choices) else "",  # type: ignore[attr-defined]
        "decision": mail.decision,
    }
    form = MailConfirmForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("action") == "set_aside":
        try:
            set_aside(mail, actor=user)
        except FlagdeskError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("Set aside; it stays in the list of all mails."))
        return redirect("notices:mail-list")
    if request.method == "POST" and form.is_valid():
        reference = normalise_reference(form.cleaned_data["notice_reference"], prefix="N") or ""
        notice = queries.notice_detail(user).filter(reference=reference).first()
        if notice is None:
            form.add_error("notice_reference", _("No notice with this reference."))
        else:
            try:
                confirm_mail(
                    mail,
                    actor=user,
                    notice=notice,
                    kind=form.cleaned_data["kind"],
                    decision=form.cleaned_data["decision"],
                )
            except FlagdeskError as e:
                show_error(form, e)
            else:
                messages.success(
                    request,
                    _("Recorded on notice %(reference)s.") % {"reference": notice.reference},
                )
                return redirect("notices:notice-detail", notice_id=notice.id)
    return render(request, "notices/mail_detail.html", {"mail": mail, "form": form})
