"""Monitoring pages (S3: check the role, parse, call one service, render or redirect).

The item page's "Still online?" panel (``panels.py``) posts here: check now, capture now,
confirm removal or not, reveal a screenshot, download a file. The "Re-checks" page lists what
waits for an analyst: content that looks gone.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.accounts.reauth import recent_login_required
from flagdesk.cases.models import Item
from flagdesk.cases.queries import case_entry
from flagdesk.core.errors import FlagdeskError, ValidationFailed
from flagdesk.matching.views.thumbnails import grant_unblur, is_unblurred, jpeg_response

from . import queries
from .downloads import bundle_for
from .models import CaptureFile
from .services import evidence_access
from .services.captures import queue_capture
from .services.watches import confirm_gone, request_check, still_there
from .storage import EvidenceMissing

ANCHOR = "monitoring"
PANEL_MESSAGE = "panel"


def panel_url(item_id: object, anchor: str = ANCHOR) -> str:
    return f"{reverse('cases:item-detail', kwargs={'item_id': item_id})}#{anchor}"


def tell(request: HttpRequest, level: int, text: str) -> None:
    """A message shown inside the "Still online?" section, where the page opens after a
    click (the page's own message list is at its top, out of sight)."""
    messages.add_message(request, level, text, extra_tags=PANEL_MESSAGE)


def _item(request: HttpRequest, item_id: UUID) -> Item:
    item = queries.visible_item(staff_user(request), item_id)
    if item is None:
        raise Http404
    return item


def _file(request: HttpRequest, file_id: UUID) -> CaptureFile:
    found = queries.visible_capture_file(staff_user(request), file_id)
    if found is None:
        raise Http404
    return found


def grant_key(file: CaptureFile) -> str:
    return f"capture-file:{file.pk}"


@require_POST
@role_required(*roles_for(Action.RECHECK))
def item_check(request: HttpRequest, item_id: UUID) -> HttpResponse:
    item = _item(request, item_id)
    request_check(item, actor=staff_user(request))
    tell(request, messages.SUCCESS, _("A re-check is queued; it runs within a minute."))
    return HttpResponseRedirect(panel_url(item.pk))


@require_POST
@role_required(*roles_for(Action.EVIDENCE_CAPTURE))
def item_capture(request: HttpRequest, item_id: UUID) -> HttpResponse:
    item = _item(request, item_id)
    capture = queue_capture(item, actor=staff_user(request))
    if capture.media_allowed:
        tell(request, messages.SUCCESS, _("An evidence capture is queued."))
    else:
        tell(
            request,
            messages.SUCCESS,
            _(
                "An evidence capture is queued. For this item the law allows no media: "
                "only the URL, the time, the HTTP status and hashes are recorded."
            ),
        )
    return HttpResponseRedirect(panel_url(item.pk))


@require_POST
@role_required(*roles_for(Action.CONFIRM_GONE))
def item_confirm(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """An analyst's decision on content a re-check found gone: ``gone`` or ``still_there``."""
    item = _item(request, item_id)
    user = staff_user(request)
    decision = request.POST.get("decision", "")
    note = request.POST.get("note", "")[:1000]
    back_to_list = request.POST.get("back") == "list"

    def say(level: int, text: str) -> None:
        if back_to_list:
            messages.add_message(request, level, f"{item.case.reference}: {text}")
        else:
            tell(request, level, text)

    try:
        if decision == "gone":
            confirm_gone(item, actor=user, note=note)
            say(messages.SUCCESS, _("Removal confirmed; re-checks of this item have ended."))
        elif decision == "still_there":
            still_there(item, actor=user, note=note)
            say(messages.SUCCESS, _("Noted: the content is still online. Re-checks go on."))
        else:
            say(messages.ERROR, _("Choose whether the content is gone or still online."))
    except FlagdeskError as e:
        say(messages.ERROR, str(e.message))
    if back_to_list:
        return HttpResponseRedirect(reverse("monitoring:rechecks"))
    return HttpResponseRedirect(panel_url(item.pk))


@role_required(*roles_for(Action.EVIDENCE_VIEW))
def file_preview(request: HttpRequest, file_id: UUID) -> HttpResponse:
    """A screenshot's preview: blurred and greyscale unless revealed in this session."""
    file = _file(request, file_id)
    if file.kind != CaptureFile.Kind.SCREENSHOT:
        raise Http404
    clear = is_unblurred(request.session, grant_key(file))
    try:
        return jpeg_response(evidence_access.preview(file, clear=clear))
    except EvidenceMissing:
        raise Http404 from None


@require_POST
@role_required(*roles_for(Action.EVIDENCE_VIEW))
def file_reveal(request: HttpRequest, file_id: UUID) -> HttpResponse:
    file = _file(request, file_id)
    evidence_access.reveal(file, actor=staff_user(request))
    grant_unblur(request.session, grant_key(file))
    return HttpResponseRedirect(panel_url(file.capture.item_id, f"capture-{file.capture_id}"))


@require_POST
@role_required(*roles_for(Action.EVIDENCE_VIEW))
@recent_login_required
def file_download(request: HttpRequest, file_id: UUID) -> HttpResponse:
    file = _file(request, file_id)
    try:
        data = evidence_access.read_file(
            file, actor=staff_user(request), reason=request.POST.get("reason", "")
        )
    except (ValidationFailed, EvidenceMissing) as e:
        tell(request, messages.ERROR, str(e.message))
        return HttpResponseRedirect(panel_url(file.capture.item_id))
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{file.capture_id}-{file.name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*roles_for(Action.RECHECK))
def rechecks(request: HttpRequest) -> HttpResponse:
    """What waits for an analyst: content re-checks found gone, oldest first."""
    user = staff_user(request)
    return render(
        request,
        "monitoring/rechecks.html",
        {
            "looks_gone": list(queries.looks_gone(user)[:200]),
            "can_confirm": user.has_any_role(*roles_for(Action.CONFIRM_GONE)),
        },
    )


@require_POST
@role_required(*roles_for(Action.EVIDENCE_BUNDLE))
@recent_login_required
def case_bundle(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The court bundle of a case (or of one of its items, ``item``), as a ZIP download: every
    capture unencrypted, so a deliberate POST with a reason, kept in the audit trail."""
    user = staff_user(request)
    item_id = request.POST.get("item", "")
    try:
        return bundle_for(user, case_id, item_id, reason=request.POST.get("reason", ""))
    except ValidationFailed as e:
        tell(request, messages.ERROR, str(e.message))
        entry = case_entry(user, case_id)
        if entry is None:
            raise Http404 from None
        # bundle_for checked ``item`` (case, reach) before the reason: it is safe to go back to.
        return HttpResponseRedirect(panel_url(item_id or entry.pk))
    except FlagdeskError as e:
        raise Http404(e.message) from None
