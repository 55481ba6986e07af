"""Actions on a notice's page for what follows it: follow-ups and their approval, confirming a
notice submitted by hand on a platform's form, and the DSC file (lodging it, downloading it).

Each action is a POST from the notice page that comes back to a notice page; a refusal is
shown there as a message in the user's language (the forms are short).
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.policy import CASEWORK_ROLES, Action, roles_for
from flagdesk.core.errors import FlagdeskError

from .. import queries
from ..documents import dsc_file_pdf
from ..forms import FollowUpForm, LodgedForm, SubmittedForm
from ..models import Notice
from ..services import confirm_submitted
from ..services.follow_ups import APPROVER_ROLES, approve, follow_up, record_lodged
from ..services.queueing import QUEUE_ROLES


def _notice(request: HttpRequest, notice_id: UUID) -> tuple[User, Notice]:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - role_required let only staff in
    return user, get_object_or_404(queries.notice_detail(user), id=notice_id)


def _refused(request: HttpRequest, error: FlagdeskError) -> None:
    details = [str(v) for v in (error.fields or {}).values()]
    messages.error(request, " ".join([str(error.message), *details]).strip())


def _form_errors(request: HttpRequest, form: FollowUpForm | SubmittedForm | LodgedForm) -> None:
    messages.error(
        request,
        " ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items()),
    )


@require_POST
@role_required(*QUEUE_ROLES)
def notice_follow_up(request: HttpRequest, notice_id: UUID) -> HttpResponse:
    user, notice = _notice(request, notice_id)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("notices:notice-detail", notice_id=notice.id)
    try:
        new = follow_up(notice, actor=user, **form.cleaned_data)
    except FlagdeskError as e:
        _refused(request, e)
        return redirect("notices:notice-detail", notice_id=notice.id)
    if new.status == Notice.Status.DRAFT:
        messages.success(
            request,
            _("%(reference)s is ready; another reviewer must approve it before it leaves.")
            % {"reference": new.reference},
        )
    else:
        messages.success(request, _("%(reference)s is queued.") % {"reference": new.reference})
    return redirect("notices:notice-detail", notice_id=new.id)


def _act(
    request: HttpRequest,
    notice_id: UUID,
    action: Callable[..., object],
    done: str,
    form_class: type[SubmittedForm | LodgedForm] | None = None,
) -> HttpResponse:
    """Run one service action on the notice with the form's data, then back to its page
    with what happened (or why not) as a message."""
    user, notice = _notice(request, notice_id)
    data: dict[str, object] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("notices:notice-detail", notice_id=notice.id)
        data = form.cleaned_data
    try:
        action(notice, actor=user, **data)
    except FlagdeskError as e:
        _refused(request, e)
    else:
        messages.success(request, done)
    return redirect("notices:notice-detail", notice_id=notice.id)


@require_POST
@role_required(*APPROVER_ROLES)
def notice_approve(request: HttpRequest, notice_id: UUID) -> HttpResponse:
    return _act(request, notice_id, approve, _("Approved."))


@require_POST
@role_required(*QUEUE_ROLES)
def notice_submitted(request: HttpRequest, notice_id: UUID) -> HttpResponse:
    done = _("Recorded as submitted: the notice is sent.")
    return _act(request, notice_id, confirm_submitted, done, SubmittedForm)


@require_POST
@role_required(*roles_for(Action.DSC_LODGE))
def notice_lodged(request: HttpRequest, notice_id: UUID) -> HttpResponse:
    return _act(request, notice_id, record_lodged, _("Recorded as lodged."), LodgedForm)


@role_required(*CASEWORK_ROLES)
def notice_document(request: HttpRequest, notice_id: UUID) -> HttpResponse:
    """The DSC file of a ``dsc_complaint`` follow-up, as a PDF download."""
    _user, notice = _notice(request, notice_id)
    if notice.kind != Notice.Kind.DSC_COMPLAINT:
        messages.error(
            request,
            _("Only a complaint file for the Digital Services Coordinator can be downloaded."),
        )
        return redirect("notices:notice-detail", notice_id=notice.id)
    response = HttpResponse(dsc_file_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{notice.reference}.pdf"'
    return response
